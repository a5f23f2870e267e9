using Emolingua.Training;
using Spectre.Console;

namespace Emolingua.Cli;

/// <summary>
/// The CLI draws the progress the library reports: one bar per training stage on stderr, when stderr is a terminal
/// (redirected output gets the log lines only).
/// </summary>
public static class ProgressBars
{
    /// <summary>Runs <paramref name="train"/> with a progress reporter that draws a bar per stage (null when not
    /// drawing).</summary>
    public static T Training<T>(Func<IProgress<TrainingProgress>?, T> train)
    {
        if (Console.IsErrorRedirected)
            return train(null);
        return Bars(ctx =>
        {
            ProgressTask? current = null;
            return train(
                new Reporter(p =>
                {
                    // A new stage (or the same stage name in the next run of a grid) gets its own bar.
                    if (current == null || current.IsFinished || current.Description.Split(' ')[0] != p.Stage)
                        current = ctx.AddTask(p.Stage, maxValue: p.TotalSteps);
                    current.Value = p.Step;
                    if (p.Loss is { } loss)
                    {
                        current.Description =
                            $"{p.Stage} loss {loss:0.0000} lr {p.LearningRate:0.0e+0} {p.StepsPerSecond:0.00} steps/s";
                    }

                    if (p.Finished)
                        current.StopTask();
                })
            );
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> under bars drawn on stderr that stay on screen when it ends: description, bar,
    /// percentage, remaining time and a spinner. The caller checks that stderr is a terminal.
    /// </summary>
    internal static T Bars<T>(Func<ProgressContext, T> work)
    {
        T result = default!;
        Stderr()
            .Progress()
            .AutoClear(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new RemainingTimeColumn(),
                new SpinnerColumn()
            )
            .Start(ctx => result = work(ctx));
        return result;
    }

    /// <summary>Runs <paramref name="work"/> with a (done, total) callback drawn as one bar named
    /// <paramref name="label"/>.</summary>
    public static T Count<T>(string label, Func<Action<int, int>?, T> work)
    {
        if (Console.IsErrorRedirected)
            return work(null);
        T result = default!;
        Stderr()
            .Progress()
            .Start(ctx =>
            {
                var task = ctx.AddTask(label);
                result = work(
                    (done, total) =>
                    {
                        task.MaxValue = total;
                        task.Value = done;
                    }
                );
            });
        return result;
    }

    private static IAnsiConsole Stderr() =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    // Reports on the training thread itself (Progress<T> would post to the thread pool and draw out of order).
    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
