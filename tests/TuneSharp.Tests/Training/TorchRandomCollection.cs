namespace TuneSharp.Tests.Training;

/// <summary>
/// Tests that rely on torch's global random generator (seeded init, dropout masks) must not share it with tests
/// running in parallel: another thread drawing numbers in between would change their results.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRandomCollection
{
    public const string Name = "Torch global RNG";
}
