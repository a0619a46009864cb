using static TorchSharp.torch;

namespace TuneSharp.Models;

/// <summary>
/// Loaded models must outlive the caller's <c>torch.NewDisposeScope()</c>: TorchSharp registers every tensor created
/// while a scope is open with that scope, parameters included, so a model loaded inside a training or evaluation step's
/// scope would have its weights freed when the step ends. Loaders detach parameters and buffers from any scope; the
/// module then owns them until it is disposed.
/// </summary>
public static class ModuleOwnership
{
    /// <summary>Detaches every parameter and buffer of <paramref name="module"/> from dispose scopes; returns the module.</summary>
    public static T DetachFromDisposeScopes<T>(T module) where T : nn.Module
    {
        foreach (var (_, parameter) in module.named_parameters()) parameter.DetachFromDisposeScope();
        foreach (var (_, buffer) in module.named_buffers()) buffer.DetachFromDisposeScope();
        return module;
    }
}
