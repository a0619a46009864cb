using System.CommandLine;
using TuneSharp.Peft;
using TuneSharp.Peft.Bottleneck;
using TuneSharp.Peft.Freeze;
using TuneSharp.Peft.Lora;
using TuneSharp.Peft.PromptTuning;

namespace TuneSharp.Cli;

/// <summary>
/// <c>--method</c> and the settings of each method (freeze / bitfit / LoRA / adapter); a setting of another method
/// than the chosen one is an error, so a mistyped method never trains silently with the wrong one.
/// </summary>
internal sealed class PeftFlags
{
    private readonly Option<string> _method = new("--method") { Description = "full | freeze | bitfit | lora | adapter | prompt-tuning (lora, adapter and prompt-tuning save only the adapter folder)", DefaultValueFactory = _ => "full" };
    private readonly Option<int> _loraR = new("--lora-r") { Description = "LoRA rank", DefaultValueFactory = _ => 8 };
    private readonly Option<double> _loraAlpha = new("--lora-alpha") { Description = "LoRA alpha (scale alpha/r)", DefaultValueFactory = _ => 16 };
    private readonly Option<double> _loraDropout = new("--lora-dropout") { Description = "Dropout on the LoRA input", DefaultValueFactory = _ => 0.0 };
    private readonly Option<string?> _loraTargets = new("--lora-target-modules") { Description = "Module names (query,value), a regex, or all-linear; default per architecture" };
    private readonly Option<bool> _useRslora = new("--use-rslora") { Description = "Scale LoRA by alpha/sqrt(r)" };
    private readonly Option<int> _freezeLayers = new("--freeze-layers") { Description = "Freeze the first N transformer layers" };
    private readonly Option<bool> _freezeEmbeddings = new("--freeze-embeddings") { Description = "Freeze the embeddings" };
    private readonly Option<bool> _trainOnlyHead = new("--train-only-head") { Description = "Freeze everything but the classification head" };
    private readonly Option<string> _adapterVariant = new("--adapter-variant") { Description = "houlsby (after attention and feed-forward) | pfeiffer (after feed-forward)", DefaultValueFactory = _ => "houlsby" };
    private readonly Option<int> _adapterReduction = new("--adapter-reduction-factor") { Description = "hidden size / bottleneck size", DefaultValueFactory = _ => 16 };
    private readonly Option<string> _adapterActivation = new("--adapter-non-linearity") { Description = "Activation inside the adapter", DefaultValueFactory = _ => "relu" };
    private readonly Option<int> _virtualTokens = new("--num-virtual-tokens") { Description = "Prompt tuning: number of trained virtual tokens", DefaultValueFactory = _ => 20 };
    private readonly Option<string> _promptInit = new("--prompt-tuning-init") { Description = "random | text | sample_vocab", DefaultValueFactory = _ => "random" };
    private readonly Option<string?> _promptInitText = new("--prompt-tuning-init-text") { Description = "Text whose tokens start the prompt (with --prompt-tuning-init text)" };

    public void AddTo(Command command)
    {
        _method.AcceptOnlyFromAmong([.. PeftMethods.Names]);
        _adapterVariant.AcceptOnlyFromAmong("houlsby", "pfeiffer");
        _adapterActivation.AcceptOnlyFromAmong([.. BottleneckOptions.NonLinearities]);
        _promptInit.AcceptOnlyFromAmong("random", "text", "sample_vocab");
        foreach (var option in new Option[] { _method, _loraR, _loraAlpha, _loraDropout, _loraTargets, _useRslora, _freezeLayers, _freezeEmbeddings,
                     _trainOnlyHead, _adapterVariant, _adapterReduction, _adapterActivation, _virtualTokens, _promptInit, _promptInitText })
            command.Options.Add(option);
    }

    public PeftOptions Build(ParseResult parse)
    {
        var method = PeftMethods.Parse(parse.GetValue(_method)!);
        RequireMethod(parse, method, PeftMethod.Lora, _loraR, _loraAlpha, _loraDropout, _loraTargets, _useRslora);
        RequireMethod(parse, method, PeftMethod.Freeze, _freezeLayers, _freezeEmbeddings, _trainOnlyHead);
        RequireMethod(parse, method, PeftMethod.Adapter, _adapterVariant, _adapterReduction, _adapterActivation);
        RequireMethod(parse, method, PeftMethod.PromptTuning, _virtualTokens, _promptInit, _promptInitText);
        return new PeftOptions
        {
            Method = method,
            Freeze = new FreezeOptions
            {
                FreezeLayers = parse.GetValue(_freezeLayers), FreezeEmbeddings = parse.GetValue(_freezeEmbeddings), TrainOnlyHead = parse.GetValue(_trainOnlyHead),
            },
            Lora = new LoraOptions
            {
                R = parse.GetValue(_loraR), Alpha = parse.GetValue(_loraAlpha), Dropout = parse.GetValue(_loraDropout),
                TargetModules = parse.GetValue(_loraTargets), UseRslora = parse.GetValue(_useRslora),
            },
            Adapter = new BottleneckOptions
            {
                Variant = BottleneckOptions.ParseVariant(parse.GetValue(_adapterVariant)!),
                ReductionFactor = parse.GetValue(_adapterReduction),
                NonLinearity = parse.GetValue(_adapterActivation)!,
            },
            PromptTuning = new PromptTuningOptions
            {
                NumVirtualTokens = parse.GetValue(_virtualTokens),
                Init = parse.GetValue(_promptInit) switch { "text" => PromptTuningInit.Text, "sample_vocab" => PromptTuningInit.SampleVocab, _ => PromptTuningInit.Random },
                InitText = parse.GetValue(_promptInitText),
            },
        };
    }

    private static void RequireMethod(ParseResult parse, PeftMethod chosen, PeftMethod needed, params Option[] options)
    {
        if (chosen == needed) return;
        foreach (var option in options)
            if (parse.GetResult(option) is { Implicit: false })
                throw new TuneSharpException($"{option.Name} applies only to --method {PeftMethods.ToName(needed)} (the method is {PeftMethods.ToName(chosen)}).");
    }
}
