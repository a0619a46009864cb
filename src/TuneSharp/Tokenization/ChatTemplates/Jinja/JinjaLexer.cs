using System.Globalization;
using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

internal enum JinjaTokenKind { Data, VariableBegin, VariableEnd, BlockBegin, BlockEnd, Name, String, Integer, Float, Operator, End }

/// <summary>One lexical token; <see cref="Text"/> is the data, name, operator or the decoded string literal.</summary>
internal sealed record JinjaToken(JinjaTokenKind Kind, string Text, int Line, object? Number = null)
{
    public bool Is(JinjaTokenKind kind, string text) => Kind == kind && Text == text;
    public override string ToString() => Kind == JinjaTokenKind.End ? "end of template" : $"'{Text}'";
}

/// <summary>
/// Splits a template into text and tag tokens the way jinja2's lexer does for transformers' environment
/// (<c>trim_blocks=True, lstrip_blocks=True</c>, default delimiters, <c>keep_trailing_newline=False</c>):
/// <list type="bullet">
/// <item><c>{%-</c> / <c>{{-</c> / <c>{#-</c> strip all whitespace before the tag; <c>-%}</c> / <c>-}}</c> / <c>-#}</c> all after.</item>
/// <item>lstrip_blocks: spaces and tabs between a line's start and a <c>{%</c> or <c>{#</c> (never <c>{{</c>) go,
/// unless the tag is written <c>{%+</c>.</item>
/// <item>trim_blocks: the first newline after <c>%}</c> or <c>#}</c> (never <c>}}</c>) goes, unless written <c>+%}</c>.</item>
/// <item>Line breaks are normalised to <c>\n</c> and one trailing newline of the source is dropped.</item>
/// </list>
/// </summary>
internal sealed class JinjaLexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"];

    private readonly string _source;
    private readonly List<JinjaToken> _tokens = [];
    private int _pos;
    private int _line = 1;
    // jinja's "line_starting": the text consumed last ended with a newline (or nothing was consumed yet), so the
    // next text starts at a line's beginning even if it holds no newline itself.
    private bool _lineStarting = true;

    private JinjaLexer(string source) => _source = NormalizeSource(source);

    /// <summary>The tokens of <paramref name="source"/>, ending with an <see cref="JinjaTokenKind.End"/> token.</summary>
    public static List<JinjaToken> Tokenize(string source)
    {
        var lexer = new JinjaLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private static string NormalizeSource(string source)
    {
        var text = source.Replace("\r\n", "\n").Replace('\r', '\n');
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    private void Run()
    {
        while (_pos < _source.Length)
        {
            var (tagAt, opener) = NextTagStart(_pos);
            if (tagAt < 0)
            {
                AddData(_source[_pos..]);
                _pos = _source.Length;
                break;
            }
            var sign = tagAt + 2 < _source.Length && _source[tagAt + 2] is '-' or '+' ? _source[tagAt + 2] : '\0';
            AddData(StripBeforeTag(_source[_pos..tagAt], opener, sign));
            _pos = tagAt + 2 + (sign == '\0' ? 0 : 1);
            switch (opener)
            {
                case '#': SkipComment(); break;
                case '%': LexTag(JinjaTokenKind.BlockBegin, JinjaTokenKind.BlockEnd, '%'); break;
                default: LexTag(JinjaTokenKind.VariableBegin, JinjaTokenKind.VariableEnd, '}'); break;
            }
        }
        _tokens.Add(new JinjaToken(JinjaTokenKind.End, "", _line));
    }

    private (int At, char Opener) NextTagStart(int from)
    {
        for (var i = from; i + 1 < _source.Length; i++)
            if (_source[i] == '{' && _source[i + 1] is '{' or '%' or '#') return (i, _source[i + 1]);
        return (-1, '\0');
    }

    private string StripBeforeTag(string text, char opener, char sign)
    {
        if (sign == '-') return JinjaMethods.Strip(text, null, left: false, right: true);
        if (sign == '+' || opener == '{') return text;
        // lstrip_blocks: only when the tag is the first non-blank thing on its line.
        var lineStart = text.LastIndexOf('\n') + 1;
        if (lineStart == 0 && !_lineStarting) return text;
        var tail = text.AsSpan(lineStart);
        return tail.Length > 0 && IsAllWhitespace(tail) ? text[..lineStart] : text;
    }

    private static bool IsAllWhitespace(ReadOnlySpan<char> text)
    {
        foreach (var c in text) if (!JinjaPython.IsSpace(c)) return false;
        return true;
    }

    private void AddData(string text)
    {
        if (text.Length > 0) _tokens.Add(new JinjaToken(JinjaTokenKind.Data, text, _line));
        _line += Count(text, '\n');
    }

    private void SkipComment()
    {
        var startLine = _line;
        var end = _source.IndexOf("#}", _pos, StringComparison.Ordinal);
        if (end < 0) throw Error(startLine, "the comment is never closed ('#}' missing)");
        var sign = end > _pos && _source[end - 1] is '-' or '+' ? _source[end - 1] : '\0';
        _line += Count(_source.AsSpan(_pos, end - _pos), '\n');
        _pos = end + 2;
        ConsumeAfterEnd(sign, trimBlocks: true);
    }

    /// <summary>After a closing delimiter: <c>-</c> eats all whitespace, a plain block/comment end one newline.</summary>
    private void ConsumeAfterEnd(char sign, bool trimBlocks)
    {
        var consumedFrom = _pos;
        if (sign == '-')
            while (_pos < _source.Length && JinjaPython.IsSpace(_source[_pos])) _pos++;
        else if (sign != '+' && trimBlocks && _pos < _source.Length && _source[_pos] == '\n')
            _pos++;
        _line += Count(_source.AsSpan(consumedFrom, _pos - consumedFrom), '\n');
        _lineStarting = _source[_pos - 1] == '\n';
    }

    private void LexTag(JinjaTokenKind begin, JinjaTokenKind end, char closer)
    {
        _tokens.Add(new JinjaToken(begin, begin == JinjaTokenKind.BlockBegin ? "{%" : "{{", _line));
        var openLine = _line;
        var brackets = new Stack<char>();
        while (true)
        {
            if (_pos >= _source.Length)
                throw Error(openLine, $"the tag opened here is never closed ('{closer}}}' missing)");
            if (brackets.Count == 0 && TryTagEnd(closer, end)) return;
            var c = _source[_pos];
            if (JinjaPython.IsSpace(c))
            {
                if (c == '\n') _line++;
                _pos++;
            }
            else if (char.IsDigit(c)) LexNumber();
            else if (char.IsLetter(c) || c == '_') LexName();
            else if (c is '\'' or '"') LexString(c);
            else LexOperator(brackets);
        }
    }

    private bool TryTagEnd(char closer, JinjaTokenKind end)
    {
        var close = closer == '%' ? "%}" : "}}";
        char sign = '\0';
        if (Matches(close, _pos)) { }
        else if (_source[_pos] is '-' or '+' && Matches(close, _pos + 1) && !(closer == '}' && _source[_pos] == '+'))
            sign = _source[_pos];
        else return false;
        _tokens.Add(new JinjaToken(end, close, _line));
        _pos += close.Length + (sign == '\0' ? 0 : 1);
        ConsumeAfterEnd(sign, trimBlocks: closer == '%');
        return true;
    }

    private bool Matches(string text, int at) =>
        at + text.Length <= _source.Length && string.CompareOrdinal(_source, at, text, 0, text.Length) == 0;

    private void LexNumber()
    {
        var start = _pos;
        SkipDigits();
        var isFloat = false;
        if (_pos + 1 < _source.Length && _source[_pos] == '.' && char.IsDigit(_source[_pos + 1]))
        {
            isFloat = true;
            _pos++;
            SkipDigits();
        }
        if (_pos < _source.Length && _source[_pos] is 'e' or 'E')
        {
            var save = _pos;
            _pos++;
            if (_pos < _source.Length && _source[_pos] is '+' or '-') _pos++;
            if (_pos < _source.Length && char.IsDigit(_source[_pos])) { isFloat = true; SkipDigits(); }
            else _pos = save;
        }
        var text = _source[start.._pos].Replace("_", "");
        object value;
        if (isFloat) value = double.Parse(text, CultureInfo.InvariantCulture);
        else if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)) value = integer;
        else throw new JinjaUnsupportedException(_line, "an integer beyond 64 bits"); // Python's ints are unbounded
        _tokens.Add(new JinjaToken(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, text, _line, value));
    }

    private void SkipDigits()
    {
        while (_pos < _source.Length && (char.IsDigit(_source[_pos]) ||
               (_source[_pos] == '_' && _pos + 1 < _source.Length && char.IsDigit(_source[_pos + 1])))) _pos++;
    }

    private void LexName()
    {
        var start = _pos;
        while (_pos < _source.Length && (char.IsLetterOrDigit(_source[_pos]) || _source[_pos] == '_')) _pos++;
        _tokens.Add(new JinjaToken(JinjaTokenKind.Name, _source[start.._pos], _line));
    }

    private void LexString(char quote)
    {
        var startLine = _line;
        var raw = new StringBuilder();
        _pos++;
        while (true)
        {
            if (_pos >= _source.Length) throw Error(startLine, "a string literal is never closed");
            var c = _source[_pos];
            if (c == quote) { _pos++; break; }
            if (c == '\\' && _pos + 1 < _source.Length) { raw.Append(c).Append(_source[_pos + 1]); _pos += 2; continue; }
            raw.Append(c);
            _pos++;
        }
        var text = raw.ToString();
        _line += Count(text, '\n');
        _tokens.Add(new JinjaToken(JinjaTokenKind.String, JinjaStringEscapes.Decode(text, startLine), startLine));
    }

    private void LexOperator(Stack<char> brackets)
    {
        foreach (var op in Operators)
        {
            if (!Matches(op, _pos)) continue;
            switch (op)
            {
                case "(": brackets.Push(')'); break;
                case "[": brackets.Push(']'); break;
                case "{": brackets.Push('}'); break;
                case ")" or "]" or "}":
                    if (brackets.Count == 0 || brackets.Pop() != op[0]) throw Error(_line, $"unexpected '{op}'");
                    break;
            }
            _tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, _line));
            _pos += op.Length;
            return;
        }
        throw Error(_line, $"unexpected character '{_source[_pos]}'");
    }

    private static int Count(ReadOnlySpan<char> text, char c)
    {
        var n = 0;
        foreach (var ch in text) if (ch == c) n++;
        return n;
    }

    private static JinjaSyntaxException Error(int line, string what) => new(line, what);
}
