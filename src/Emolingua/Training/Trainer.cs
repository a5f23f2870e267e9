using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Emolingua.Inference;
using Emolingua.Models;
using Emolingua.Training.Data;
using Emolingua.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Emolingua.Training;

public sealed record StageOptions(
    int Seed,
    double LearningRate,
    double WeightDecay,
    int StepsPerEpoch,
    int MaxEpochs,
    int Patience,
    int LogEvery,
    int Prefetch
);

public sealed record StageResult(
    string Stage,
    long Steps,
    int Epochs,
    long BestStep,
    bool StoppedEarly,
    IReadOnlyDictionary<string, double>? BestValidation,
    IReadOnlyDictionary<string, double>? FinalValidation
);

/// <summary>
/// Where a training stage is, reported after every step and once when it ends (the CLI draws it as a progress bar).
/// <see cref="Loss"/> is the mean loss of the last logged window (null before the first).
/// </summary>
public sealed record TrainingProgress(
    string Stage,
    long Step,
    long TotalSteps,
    double? Loss,
    double LearningRate,
    double StepsPerSecond,
    bool Finished
);

/// <summary>
/// The one training loop. Per step: fresh per-step seeds (dropout and augmentation draw from (seed, stage, step), so a
/// resumed run replays exactly what an uninterrupted run computes), inputs from the prefetcher, loss, backward, AdamW,
/// the stage's after-step hook (EMA). Per epoch: validation, early stopping, best export, and an atomic checkpoint of
/// model, optimizer, extra state and the metrics.jsonl length, from which <c>--resume</c> continues. Every logged
/// number goes to metrics.jsonl and to TensorBoard event files beside it (<see cref="MetricsLog"/>). When a stop is
/// requested (a scheduler's signal), the current step is finished, a checkpoint of that step is written (with the
/// partial logging window, so metrics.jsonl continues as if uninterrupted) and
/// <see cref="TrainingInterruptedException"/> is thrown.
/// </summary>
public sealed class Trainer
{
    private readonly MetricsLog _metrics;
    private readonly Action<string> _log;

    private readonly Action<string, long>? _afterStep;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly CancellationToken _stop;

    /// <param name="afterStep">Called with (stage, step) after every completed step (tests use it to simulate a
    /// crash).</param>
    /// <param name="progress">Told the step, loss and speed after every step (the library draws nothing
    /// itself).</param>
    /// <param name="stop">Requests a checkpoint of the current step and a
    /// <see cref="TrainingInterruptedException"/>.</param>
    public Trainer(
        string runDir,
        Action<string>? log = null,
        Action<string, long>? afterStep = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken stop = default
    )
    {
        _metrics = new MetricsLog(runDir);
        _log = log ?? (m => Console.Error.WriteLine(m));
        _afterStep = afterStep;
        _progress = progress;
        _stop = stop;
    }

    // The stage being run, for divergence errors: where its checkpoint lives and which step it holds (0 = none yet).
    private string _stageDir = "",
        _stageName = "";
    private long _lastCheckpointStep;

    private sealed class CheckpointState
    {
        public long Step { get; set; }
        public int Epoch { get; set; }
        public double? BestMetric { get; set; }
        public long BestStep { get; set; } = -1;
        public int BadEpochs { get; set; }
        public bool Finished { get; set; }
        public bool StoppedEarly { get; set; }
        public long MetricsBytes { get; set; }
        public long OptimizerStep { get; set; }
        public Dictionary<string, double>? BestValues { get; set; }
        public Dictionary<string, double>? LastValues { get; set; }

        /// <summary>Sums of the step logs since the last metrics line (a checkpoint between log steps keeps
        /// them).</summary>
        public Dictionary<string, double>? LogWindow { get; set; }
        public int LogWindowCount { get; set; }
    }

    /// <param name="stageDir">Holds state/ (resume point) and best/ (the stage's export at its best
    /// validation).</param>
    /// <param name="metricsStartBytes">Length of metrics.jsonl when this stage began (earlier stages' lines).</param>
    public StageResult Run<TInputs>(
        TrainingStage<TInputs> stage,
        string stageDir,
        StageOptions o,
        long metricsStartBytes
    )
    {
        Directory.CreateDirectory(stageDir);
        var statePath = Path.Combine(stageDir, "state");
        var bestPath = Path.Combine(stageDir, "best");
        AtomicFolder.Recover(statePath);
        AtomicFolder.Recover(bestPath);
        using var optimizer = new AdamWOptimizer(stage.TrainableParameters, o.LearningRate, weightDecay: o.WeightDecay);

        var state = File.Exists(Path.Combine(statePath, "trainer.json"))
            ? LoadCheckpoint(stage, optimizer, statePath)
            : new CheckpointState { MetricsBytes = metricsStartBytes };
        (_stageDir, _stageName, _lastCheckpointStep) = (stageDir, stage.Name, state.Step);
        _metrics.TruncateTo(state.MetricsBytes);
        var totalSteps = (long)o.StepsPerEpoch * o.MaxEpochs;
        if (state.Finished)
        {
            _log($"{stage.Name}: already finished at step {state.Step} (resume)");
            return Result(stage, state);
        }
        if (state.Step > 0)
        {
            _log($"{stage.Name}: resuming at step {state.Step} (epoch {state.Epoch})");
        }
        else
        {
            foreach (var line in stage.Describe())
                _log($"{stage.Name}: {line}");
        }

        using var prefetcher = new Prefetcher<TInputs>(stage.Prepare, state.Step, totalSteps, o.Prefetch);
        var watch = Stopwatch.StartNew();
        long stepsThisSession = 0;
        var window = state.LogWindow ?? new Dictionary<string, double>();
        // time the training thread waited for decoded inputs (the pipeline's visible cost)
        var inputWait = TimeSpan.Zero;
        var windowCount = state.LogWindowCount;
        double? lastLoss = null;
        double stepsPerSecond = 0;
        var checkpointed = true; // the state on disk (or a fresh start) is the current step

        while (state.Step < totalSteps && !state.Finished)
        {
            if (_stop.IsCancellationRequested)
            {
                if (!checkpointed)
                {
                    state.LogWindow = new Dictionary<string, double>(window);
                    state.LogWindowCount = windowCount;
                    SaveCheckpoint(stage, optimizer, state, statePath);
                }
                _log($"{stage.Name}: stopped at step {state.Step} (checkpoint written; resume continues from here)");
                throw new TrainingInterruptedException(stage.Name, state.Step);
            }
            var step = state.Step;
            torch.random.manual_seed(
                (long)(StepRandom.Mix((ulong)o.Seed, StepRandom.Hash(stage.Name), (ulong)step) & 0x7FFFFFFFFFFFFFFF)
            );
            var waitStart = watch.Elapsed;
            var inputs = prefetcher.Get(step);
            inputWait += watch.Elapsed - waitStart;
            using (var scope = NewDisposeScope())
            {
                var (loss, logs) = stage.Loss(inputs, step, totalSteps);
                logs["loss"] = loss.item<float>();
                // before the update spreads it
                TrainingDivergence.CheckLogs(logs, stageDir, stage.Name, step + 1, _lastCheckpointStep);
                optimizer.ZeroGrad();
                loss.backward();
                optimizer.StepOnce();
                stage.AfterOptimizerStep(step, totalSteps);
                foreach (var (k, v) in logs)
                    window[k] = window.GetValueOrDefault(k) + v;
                windowCount++;
            }
            optimizer.ZeroGrad();
            state.Step++;
            stepsThisSession++;
            stepsPerSecond = stepsThisSession / watch.Elapsed.TotalSeconds;
            if (state.Step % o.LogEvery == 0 || state.Step == totalSteps)
            {
                var line = new JsonObject
                {
                    ["stage"] = stage.Name,
                    ["step"] = state.Step,
                    ["epoch"] = state.Epoch + 1,
                    ["lr"] = o.LearningRate,
                };
                foreach (var (k, v) in window)
                    line[k] = Math.Round(v / windowCount, 6);
                line["steps_per_s"] = Math.Round(stepsPerSecond, 3);
                line["input_wait_fraction"] = Math.Round(inputWait / watch.Elapsed, 4);
                AppendMetrics(line);
                lastLoss = window["loss"] / windowCount;
                window.Clear();
                windowCount = 0;
            }
            checkpointed = false;
            if (state.Step % o.StepsPerEpoch == 0 || state.Step == totalSteps)
            {
                state.LogWindow = new Dictionary<string, double>(window);
                state.LogWindowCount = windowCount;
                EndEpoch(stage, o, state, optimizer, statePath, bestPath, totalSteps);
                checkpointed = true;
            }
            _progress?.Report(
                new TrainingProgress(
                    stage.Name,
                    state.Step,
                    totalSteps,
                    lastLoss,
                    o.LearningRate,
                    stepsPerSecond,
                    false
                )
            );
            _afterStep?.Invoke(stage.Name, state.Step);
        }
        _progress?.Report(
            new TrainingProgress(stage.Name, state.Step, totalSteps, lastLoss, o.LearningRate, stepsPerSecond, true)
        );
        return Result(stage, state);
    }

    private void EndEpoch(
        TrainingStage stage,
        StageOptions o,
        CheckpointState state,
        AdamWOptimizer optimizer,
        string statePath,
        string bestPath,
        long totalSteps
    )
    {
        state.Epoch++;
        // Weights that went NaN in the epoch's last update must not be validated, exported or checkpointed.
        TrainingDivergence.CheckState(stage.StateModule, _stageDir, stage.Name, state.Step, _lastCheckpointStep);
        ValidationResult? validation;
        // Weights can be finite while the model's outputs overflow: the engine's output check then names the value.
        try
        {
            validation = stage.Validate();
        }
        catch (NonFiniteOutputException e)
        {
            throw TrainingDivergence.Diverged(
                _stageDir,
                stage.Name,
                state.Step,
                "validation probability",
                e.Value,
                _lastCheckpointStep
            );
        }
        if (validation != null)
        {
            TrainingDivergence.CheckLogs(
                validation.Values,
                _stageDir,
                stage.Name,
                state.Step,
                _lastCheckpointStep,
                "validation "
            );
        }

        var line = new JsonObject
        {
            ["stage"] = stage.Name,
            ["step"] = state.Step,
            ["epoch"] = state.Epoch,
            ["split"] = "validation",
        };
        bool improved;
        if (validation == null)
        {
            improved = true; // no validation set: keep the latest
        }
        else
        {
            foreach (var (k, v) in validation.Values)
                line[k] = Math.Round(v, 6);
            state.LastValues = validation.Values.ToDictionary();
            improved =
                state.BestMetric is not { } best
                || (stage.HigherIsBetter ? validation.Metric > best : validation.Metric < best);
        }
        if (improved)
        {
            state.BestMetric = validation?.Metric;
            state.BestStep = state.Step;
            state.BestValues = validation?.Values.ToDictionary();
            state.BadEpochs = 0;
            stage.Export(bestPath);
        }
        else
        {
            state.BadEpochs++;
        }

        line["best"] = improved;
        AppendMetrics(line);
        if (validation != null && state.BadEpochs >= o.Patience)
        {
            state.Finished = true;
            state.StoppedEarly = true;
            _log($"{stage.Name}: early stop after epoch {state.Epoch} ({o.Patience} epochs without improvement)");
        }
        if (state.Step >= totalSteps)
            state.Finished = true;
        SaveCheckpoint(stage, optimizer, state, statePath);
    }

    /// <summary>Appends a metrics line; a non-finite number in it stops training instead (JSON cannot hold
    /// it).</summary>
    private void AppendMetrics(JsonObject line)
    {
        TrainingDivergence.CheckLine(
            line,
            _stageDir,
            _stageName,
            line["step"]?.GetValue<long>() ?? 0,
            _lastCheckpointStep
        );
        _metrics.Append(line);
    }

    private void SaveCheckpoint(TrainingStage stage, AdamWOptimizer optimizer, CheckpointState state, string statePath)
    {
        state.MetricsBytes = _metrics.Length;
        state.OptimizerStep = optimizer.Step;
        var model = StateDict.ToFloat32(stage.StateModule);
        var optimizerState = optimizer.StateTensors();
        var extra = stage.ExtraState();
        AtomicFolder.Write(statePath, tmp =>
        {
            SafeTensors.WriteFloat32(Path.Combine(tmp, "model.safetensors"), model);
            SafeTensors.WriteFloat32(Path.Combine(tmp, "optimizer.safetensors"), optimizerState);
            if (extra.Count > 0)
                SafeTensors.WriteFloat32(Path.Combine(tmp, "extra.safetensors"), extra);
            Json.Save(Path.Combine(tmp, "trainer.json"), state, Json.SnakeCase);
        });
        _lastCheckpointStep = state.Step;
    }

    /// <summary>The length of metrics.jsonl at the last checkpoint of the stage in <paramref name="stageDir"/> (where a
    /// next stage continues it).</summary>
    public static long MetricsBytesAtCheckpoint(string stageDir) =>
        ReadState(Path.Combine(stageDir, "state")).MetricsBytes;

    private static CheckpointState ReadState(string statePath) =>
        System.Text.Json.JsonSerializer.Deserialize<CheckpointState>(
            File.ReadAllText(Path.Combine(statePath, "trainer.json")),
            Json.SnakeCase
        ) ?? throw new EmolinguaException(statePath, "empty trainer.json");

    private static CheckpointState LoadCheckpoint(TrainingStage stage, AdamWOptimizer optimizer, string statePath)
    {
        var state = ReadState(statePath);
        StateDict.Load(stage.StateModule, Path.Combine(statePath, "model.safetensors"), " (was the recipe changed?)");
        optimizer.LoadState(state.OptimizerStep, StateDict.Read(Path.Combine(statePath, "optimizer.safetensors")));
        var extraPath = Path.Combine(statePath, "extra.safetensors");
        if (File.Exists(extraPath))
            stage.LoadExtraState(StateDict.Read(extraPath));
        return state;
    }

    private static StageResult Result(TrainingStage stage, CheckpointState s) =>
        new(stage.Name, s.Step, s.Epoch, s.BestStep, s.StoppedEarly, s.BestValues, s.LastValues);
}

/// <summary>Training stopped on request after writing a checkpoint of <see cref="Step"/>; resuming continues from
/// there.</summary>
public sealed class TrainingInterruptedException(string stage, long step)
    : OperationCanceledException($"{stage}: training stopped at step {step} on request (checkpoint written)")
{
    public string Stage { get; } = stage;
    public long Step { get; } = step;
}
