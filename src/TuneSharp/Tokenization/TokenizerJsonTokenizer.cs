namespace TuneSharp.Tokenization;

/// <summary>A tokenizer described by a Hugging Face <c>tokenizer.json</c> (see <see cref="TokenizerJsonLoader"/>).</summary>
internal sealed class TokenizerJsonTokenizer : TextTokenizer
{
    private readonly TokenizerJsonPipeline _pipeline;

    public TokenizerJsonTokenizer(TokenizerJsonPipeline pipeline, SpecialTokens specialTokens, SpecialTokenTemplate template)
    {
        _pipeline = pipeline;
        SpecialTokens = specialTokens;
        Template = template;
    }

    public override string Kind => $"{_pipeline.Model.Name} (tokenizer.json)";
    public override int VocabSize => _pipeline.VocabSize;
    public override IReadOnlyList<Token> Tokenize(string text) => _pipeline.Tokenize(text);
    internal override TokenSequence TokenizeWithWordIds(string text) => _pipeline.TokenizeWithWordIds(text);
    internal override IReadOnlyList<Token> TokenizeWord(string word) => _pipeline.TokenizeWord(word);
    public override string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true) => _pipeline.Decode(ids, skipSpecialTokens);
    public override int? TokenToId(string token) => _pipeline.TokenToId(token);
    public override string? IdToToken(int id) => _pipeline.IdToToken(id);
}
