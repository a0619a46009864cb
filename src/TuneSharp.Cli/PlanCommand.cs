using System.CommandLine;
using TuneSharp.Recipes;

namespace TuneSharp.Cli;

/// <summary>
/// <c>tunesharp plan</c>, with the flags of <c>train</c>: reads the data, loads the model and answers "can I do this on
/// my PC?" (peak memory, disk, time) without training or writing anything. <c>train</c> prints the same plan first.
/// </summary>
public static class PlanCommand
{
    public static Command Create(CliOutput io)
    {
        var flags = new FineTuningFlags();
        var command = new Command("plan", "Estimate memory, disk and time of a train run (same flags as train) without training.");
        flags.AddTo(command);
        command.SetAction(parse =>
        {
            var plan = FineTuningRecipe.Plan(flags.Build(io, parse), line => io.Err.WriteLine(io.Render(line)));
            foreach (var line in plan.Describe()) io.Out.WriteLine(io.Render(line));
            return plan.Verdict == Planning.MemoryVerdict.DoesNotFit ? 3 : 0;
        });
        return command;
    }
}
