namespace TuneSharp.Peft.PromptTuning;

/// <summary>How the virtual-token embeddings start (PEFT's <c>prompt_tuning_init</c>).</summary>
public enum PromptTuningInit
{
    /// <summary>"RANDOM": nn.Embedding's default initialisation, Normal(0, 1).</summary>
    Random,

    /// <summary>"TEXT": the word embeddings of a tokenized text, repeated or cut to the number of virtual tokens.</summary>
    Text,

    /// <summary>"SAMPLE_VOCAB": the word embeddings of token ids drawn uniformly from the vocabulary.</summary>
    SampleVocab,
}
