using TuneSharp.Tasks.CausalLm;
using TuneSharp.Architectures.Llama;
using TuneSharp.Models;
using static TorchSharp.torch;

namespace TuneSharp.Tests.Models;

/// <summary>A model loaded while a caller's dispose scope is open survives the scope (regression: its weights were freed).</summary>
public class ModuleOwnershipTests
{
    [SkippableFact]
    public void ModelLoadedInsideADisposeScopeOutlivesIt()
    {
        var dir = SharedData.RequireModel("stories260K");
        CausalLanguageModel model;
        using (NewDisposeScope())
        {
            (model, _) = AutoModelForCausalLM.FromPretrained(dir);
        }
        using var owned = model;
        Assert.Equal(260_032L, model.parameters().Sum(p => p.numel()));
        Assert.All(model.parameters(), p => Assert.False(p.IsInvalid));
        using var scope = NewDisposeScope();
        var logits = model.Forward(tensor(new long[] { 1 }, [1, 1]));
        Assert.Equal(512, logits.shape[2]);
    }
}
