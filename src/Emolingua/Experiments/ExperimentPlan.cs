using System.Text.Json;
using System.Text.Json.Serialization;
using Emolingua.Training;
using Emolingua.Util;

namespace Emolingua.Experiments;

/// <summary>
/// One training run of a grid (a run entry × fold × seed) and the zero-shot evaluations of its model. Cells are
/// numbered in the order the local runner runs them (fold, then seed, then entry); a Slurm array task's index is
/// its cell number.
/// </summary>
public sealed class GridCell
{
    [JsonPropertyName("cell")]
    public int Index { get; set; }

    /// <summary>Index into the experiment recipe's runs.</summary>
    public int Entry { get; set; }
    public string Column { get; set; } = "";
    public string? Tag { get; set; }
    public string Method { get; set; } = "";
    public int Fold { get; set; }
    public int Seed { get; set; }

    /// <summary>Relative to the experiment's output folder.</summary>
    public string RunDir { get; set; } = "";

    /// <summary>The test corpora this cell's model is evaluated on (those of the entry that are present).</summary>
    public List<string> Evaluate { get; set; } = new();

    /// <summary>Table column for ablations (e.g. "contrastive:target"); null when the column is the method.</summary>
    [JsonIgnore]
    public string? Variant => Column != Method ? Column : null;

    public string Describe() => $"{Column}{(Tag is { } t ? $" ({t})" : "")} fold {Fold} seed {Seed}";

    /// <summary>The fields that identify a cell (a plan on disk must match the recipe it claims to come
    /// from).</summary>
    internal string Identity() => $"{Index}|{Entry}|{Column}|{Tag}|{Method}|{Fold}|{Seed}|{RunDir}";
}

/// <summary>
/// The grid's cells, written as OUT/cells.json (a list a person can read) before anything runs, so that each cell
/// can be run on its own (<see cref="CellRunner"/>, <c>experiment run-cell OUT --cell N</c>) and the report
/// (<see cref="ExperimentReporter"/>) can gather them from OUT alone.
/// </summary>
public sealed class ExperimentPlan
{
    public const string FileName = "cells.json";

    public string Name { get; set; } = "";

    /// <summary>The experiment recipe (absolute path); run-cell and report load it from here.</summary>
    public string Recipe { get; set; } = "";

    /// <summary>The --data folder (absolute), or null.</summary>
    [JsonPropertyName("data")]
    public string? DataDir { get; set; }

    /// <summary>cpu or cuda.</summary>
    public string Device { get; set; } = "cpu";
    public List<GridCell> Cells { get; set; } = new();

    [JsonIgnore]
    public string OutDir { get; private set; } = "";

    /// <summary>Each cell's training recipe, read once when the plan is made from its experiment recipe.</summary>
    private Dictionary<int, Recipe> _recipes = new();

    public string RunDir(GridCell cell) => Path.Combine(OutDir, cell.RunDir);

    /// <summary>The cell's training recipe (its entry's recipe with the cell's fold and seed), as read when the plan
    /// was made or checked.</summary>
    public Recipe TrainingRecipe(GridCell cell) =>
        _recipes.TryGetValue(cell.Index, out var recipe)
            ? recipe
            : throw new InvalidOperationException(
                $"{PathIn}: the plan was loaded without its experiment recipe (call LoadRecipe first)"
            );

    /// <summary>The plan of a recipe: every cell with its run folder and the present test corpora it
    /// evaluates.</summary>
    public static ExperimentPlan Create(ExperimentRecipe exp, string outDir, string? dataDir, string device)
    {
        var present = exp
            .TestCorpora.Where(c => !(c.Optional && !Directory.Exists(TrainingData.ResolveRoot(c.Root, dataDir))))
            .Select(c => c.Kind)
            .ToHashSet(StringComparer.Ordinal);
        var plan = new ExperimentPlan
        {
            Name = exp.Name,
            Recipe = exp.SourcePath,
            DataDir = dataDir == null ? null : Path.GetFullPath(dataDir),
            Device = device,
            OutDir = Path.GetFullPath(outDir),
        };
        foreach (var fold in exp.Folds)
        {
            foreach (var seed in exp.Seeds)
            {
                for (var e = 0; e < exp.Runs.Count; e++)
                {
                    var entry = exp.Runs[e];
                    var recipe = exp.TrainingRecipe(entry, fold, seed);
                    plan._recipes[plan.Cells.Count] = recipe;
                    plan.Cells.Add(
                        new GridCell
                        {
                            Index = plan.Cells.Count,
                            Entry = e,
                            Column = entry.Column,
                            Tag = entry.Tag,
                            Method = recipe.Method.Name(),
                            Fold = fold,
                            Seed = seed,
                            RunDir = Path.Combine("runs", ExperimentRecipe.RunName(entry, fold, seed)),
                            Evaluate = entry.Evaluate.Where(present.Contains).ToList(),
                        }
                    );
                }
            }
        }

        return plan;
    }

    [JsonIgnore]
    public string PathIn => Path.Combine(OutDir, FileName);

    public void Save() => AtomicFile.WriteAllText(PathIn, JsonSerializer.Serialize(this, Json.Indented) + "\n");

    public static ExperimentPlan Load(string outDir)
    {
        var path = Path.Combine(Path.GetFullPath(outDir), FileName);
        if (!File.Exists(path))
        {
            throw new EmolinguaException(
                outDir,
                $"no {FileName}: not an experiment folder (run ./emolingua experiment RECIPE.json --out {outDir} first)"
            );
        }

        ExperimentPlan plan;
        try
        {
            plan = JsonSerializer.Deserialize<ExperimentPlan>(File.ReadAllText(path), Json.Indented)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new EmolinguaException(path, $"not a valid cell list: {e.Message}");
        }
        plan.OutDir = Path.GetFullPath(outDir);
        return plan;
    }

    /// <summary>The experiment recipe the plan names; fails when it no longer gives the same cells.</summary>
    public ExperimentRecipe LoadRecipe()
    {
        var exp = ExperimentRecipe.Load(Recipe);
        var now = Create(exp, OutDir, DataDir, Device);
        if (!now.Cells.Select(c => c.Identity()).SequenceEqual(Cells.Select(c => c.Identity())))
        {
            throw new EmolinguaException(
                PathIn,
                $"the experiment recipe {Recipe} no longer gives these cells (was it edited?); plan again with ./emolingua experiment"
            );
        }

        _recipes = now._recipes;
        return exp;
    }

    public GridCell Cell(int index) =>
        index >= 0 && index < Cells.Count
            ? Cells[index]
            : throw new EmolinguaException($"--cell {index}: the grid has cells 0..{Cells.Count - 1} ({PathIn})");
}
