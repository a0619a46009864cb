namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

// A hand-written Jinja2 parser (recursive descent). No .NET Jinja2 library is available to TuneSharp; the .NET
// template engines that are (DotLiquid, Fluid, Scriban) implement Liquid, whose expressions differ from Jinja's
// (no `a if c else b`, no `is` tests, no Python methods like `.strip()`, different filter arguments and truthiness),
// so chat templates written for transformers would render differently. The operator precedence below is jinja2's,
// loosest first: `x if c else y`, `or`, `and`, `not`, comparisons and `in`, `+ -`, `~`, `* / // %`, `**`, unary
// `- +`, then postfix `.attr [key] (call)` and `| filter`, `is test`.

/// <summary>Builds the syntax tree of a template from <see cref="JinjaLexer"/>'s tokens.</summary>
internal sealed partial class JinjaParser
{
    private static readonly HashSet<string> CompareOperators = ["==", "!=", "<", "<=", ">", ">="];
    private static readonly HashSet<string> UnsupportedTags =
        ["raw", "filter", "call", "block", "extends", "include", "import", "from", "with", "autoescape", "do",
         "break", "continue"];

    private readonly List<JinjaToken> _tokens;
    private int _at;

    private JinjaParser(List<JinjaToken> tokens) => _tokens = tokens;

    /// <summary>The statements of a whole template.</summary>
    public static IReadOnlyList<JinjaNode> Parse(string source)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(source));
        var (body, endTag) = parser.ParseBody();
        if (endTag is not null) throw new JinjaSyntaxException(parser.Current.Line, $"unexpected '{endTag}' tag");
        return body;
    }

    private JinjaToken Current => _tokens[_at];
    private JinjaToken Peek(int ahead = 1) => _tokens[Math.Min(_at + ahead, _tokens.Count - 1)];
    private JinjaToken Advance() => _tokens[_at++];

    private bool IsOperator(string op) => Current.Is(JinjaTokenKind.Operator, op);
    private bool IsName(string name) => Current.Is(JinjaTokenKind.Name, name);

    private bool TryOperator(string op)
    {
        if (!IsOperator(op)) return false;
        _at++;
        return true;
    }

    private bool TryName(string name)
    {
        if (!IsName(name)) return false;
        _at++;
        return true;
    }

    private JinjaToken Expect(JinjaTokenKind kind, string? text = null)
    {
        if (Current.Kind != kind || (text is not null && Current.Text != text))
            throw new JinjaSyntaxException(Current.Line, $"expected {Describe(kind, text)}, found {Current}");
        return Advance();
    }

    private static string Describe(JinjaTokenKind kind, string? text) => text is not null ? $"'{text}'" : kind switch
    {
        JinjaTokenKind.Name => "a name",
        JinjaTokenKind.BlockEnd => "'%}'",
        JinjaTokenKind.VariableEnd => "'}}'",
        _ => kind.ToString(),
    };

    // ---- statements ----

    /// <summary>
    /// Statements up to the end of the template or a <c>{% name %}</c> tag with a name in <paramref name="endTags"/>;
    /// returns that name (its tag's <c>{%</c> and name consumed) or null at the end of the template.
    /// </summary>
    private (List<JinjaNode> Body, string? EndTag) ParseBody(params string[] endTags)
    {
        var body = new List<JinjaNode>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case JinjaTokenKind.End:
                    if (endTags.Length > 0)
                        throw new JinjaSyntaxException(token.Line, $"the template ended where '{string.Join("' or '", endTags)}' was expected");
                    return (body, null);
                case JinjaTokenKind.Data:
                    body.Add(new TextNode(token.Line, token.Text));
                    Advance();
                    break;
                case JinjaTokenKind.VariableBegin:
                    Advance();
                    body.Add(new OutputNode(token.Line, ParseTuple()));
                    Expect(JinjaTokenKind.VariableEnd);
                    break;
                case JinjaTokenKind.BlockBegin:
                    var name = Peek();
                    if (name.Kind == JinjaTokenKind.Name && endTags.Contains(name.Text))
                    {
                        _at += 2;
                        return (body, name.Text);
                    }
                    Advance();
                    body.Add(ParseStatement());
                    break;
                default:
                    throw new JinjaSyntaxException(token.Line, $"unexpected {token}");
            }
        }
    }

    private JinjaNode ParseStatement()
    {
        var tag = Expect(JinjaTokenKind.Name);
        switch (tag.Text)
        {
            case "if": return ParseIf(tag.Line);
            case "for": return ParseFor(tag.Line);
            case "set": return ParseSet(tag.Line);
            case "macro": return ParseMacro(tag.Line);
        }
        if (UnsupportedTags.Contains(tag.Text)) throw new JinjaUnsupportedException(tag.Line, $"the '{tag.Text}' tag");
        throw new JinjaSyntaxException(tag.Line, $"unknown tag '{tag.Text}'");
    }

    private IfNode ParseIf(int line)
    {
        var branches = new List<(JinjaExpr, IReadOnlyList<JinjaNode>)>();
        var condition = ParseTuple();
        while (true)
        {
            Expect(JinjaTokenKind.BlockEnd);
            var (body, end) = ParseBody("elif", "else", "endif");
            branches.Add((condition, body));
            if (end == "elif") { condition = ParseTuple(); continue; }
            IReadOnlyList<JinjaNode> otherwise = [];
            if (end == "else")
            {
                Expect(JinjaTokenKind.BlockEnd);
                (otherwise, _) = ParseBody("endif");
            }
            Expect(JinjaTokenKind.BlockEnd);
            return new IfNode(line, branches, otherwise);
        }
    }

    private ForNode ParseFor(int line)
    {
        var target = ParseAssignTarget(allowNamespace: false);
        Expect(JinjaTokenKind.Name, "in");
        var iterable = ParseTuple(withConditional: false);
        JinjaExpr? filter = TryName("if") ? ParseExpression() : null;
        if (IsName("recursive")) throw new JinjaUnsupportedException(Current.Line, "a recursive for loop");
        Expect(JinjaTokenKind.BlockEnd);
        var (body, end) = ParseBody("else", "endfor");
        IReadOnlyList<JinjaNode> otherwise = [];
        if (end == "else")
        {
            Expect(JinjaTokenKind.BlockEnd);
            (otherwise, _) = ParseBody("endfor");
        }
        Expect(JinjaTokenKind.BlockEnd);
        return new ForNode(line, target, iterable, filter, body, otherwise);
    }

    private JinjaNode ParseSet(int line)
    {
        var target = ParseAssignTarget(allowNamespace: true);
        if (TryOperator("="))
        {
            var value = ParseTuple();
            Expect(JinjaTokenKind.BlockEnd);
            return new SetNode(line, target, value);
        }
        if (target is not NameExpr name)
            throw new JinjaSyntaxException(line, "a {% set %} block can only assign a plain name");
        if (IsOperator("|")) throw new JinjaUnsupportedException(line, "a filter on a {% set %} block");
        Expect(JinjaTokenKind.BlockEnd);
        var (body, _) = ParseBody("endset");
        Expect(JinjaTokenKind.BlockEnd);
        return new SetBlockNode(line, name.Name, body);
    }

    private MacroNode ParseMacro(int line)
    {
        var name = Expect(JinjaTokenKind.Name).Text;
        Expect(JinjaTokenKind.Operator, "(");
        var parameters = new List<(string, JinjaExpr?)>();
        while (!TryOperator(")"))
        {
            if (parameters.Count > 0) Expect(JinjaTokenKind.Operator, ",");
            if (TryOperator(")")) break;
            var parameter = Expect(JinjaTokenKind.Name).Text;
            parameters.Add((parameter, TryOperator("=") ? ParseExpression() : null));
        }
        Expect(JinjaTokenKind.BlockEnd);
        var (body, _) = ParseBody("endmacro");
        if (Current.Kind == JinjaTokenKind.Name) Advance(); // {% endmacro name %} is allowed
        Expect(JinjaTokenKind.BlockEnd);
        return new MacroNode(line, name, parameters, body);
    }

    /// <summary>A name, <c>ns.attr</c> (for set), or names separated by commas (optionally in parentheses).</summary>
    private JinjaExpr ParseAssignTarget(bool allowNamespace)
    {
        var line = Current.Line;
        if (allowNamespace && Current.Kind == JinjaTokenKind.Name && Peek().Is(JinjaTokenKind.Operator, "."))
        {
            var ns = Advance().Text;
            Advance();
            return new AttributeExpr(line, new NameExpr(line, ns), Expect(JinjaTokenKind.Name).Text);
        }
        var parenthesised = TryOperator("(");
        var names = new List<JinjaExpr> { new NameExpr(line, Expect(JinjaTokenKind.Name).Text) };
        var sawComma = false;
        while (TryOperator(","))
        {
            sawComma = true;
            if (Current.Kind != JinjaTokenKind.Name) break;
            names.Add(new NameExpr(Current.Line, Advance().Text));
        }
        if (parenthesised) Expect(JinjaTokenKind.Operator, ")");
        return names.Count == 1 && !sawComma ? names[0] : new TupleExpr(line, names);
    }
}
