namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>The expression half of <see cref="JinjaParser"/>: one method per precedence level, loosest first.</summary>
internal sealed partial class JinjaParser
{
    /// <summary>Comma-separated expressions: one alone is itself, several (or a trailing comma) a tuple.</summary>
    private JinjaExpr ParseTuple(bool withConditional = true, bool explicitParentheses = false)
    {
        var line = Current.Line;
        var items = new List<JinjaExpr>();
        var sawComma = false;
        while (true)
        {
            if (items.Count > 0)
            {
                if (!TryOperator(",")) break;
                sawComma = true;
            }
            if (IsTupleEnd()) break;
            items.Add(withConditional ? ParseExpression() : ParseOr());
        }
        if (items.Count == 0 && !explicitParentheses)
            throw new JinjaSyntaxException(line, $"expected an expression, found {Current}");
        return items.Count == 1 && !sawComma ? items[0] : new TupleExpr(line, items);
    }

    private bool IsTupleEnd() => Current.Kind is JinjaTokenKind.VariableEnd or JinjaTokenKind.BlockEnd or JinjaTokenKind.End
                                 || IsOperator(")") || IsName("recursive");

    private JinjaExpr ParseExpression()
    {
        var value = ParseOr();
        while (IsName("if"))
        {
            var line = Advance().Line;
            var condition = ParseOr();
            JinjaExpr? otherwise = TryName("else") ? ParseExpression() : null;
            value = new ConditionalExpr(line, condition, value, otherwise);
        }
        return value;
    }

    private JinjaExpr ParseOr()
    {
        var left = ParseAnd();
        while (IsName("or")) { var line = Advance().Line; left = new LogicalExpr(line, false, left, ParseAnd()); }
        return left;
    }

    private JinjaExpr ParseAnd()
    {
        var left = ParseNot();
        while (IsName("and")) { var line = Advance().Line; left = new LogicalExpr(line, true, left, ParseNot()); }
        return left;
    }

    private JinjaExpr ParseNot()
    {
        if (IsName("not")) { var line = Advance().Line; return new NotExpr(line, ParseNot()); }
        return ParseCompare();
    }

    private JinjaExpr ParseCompare()
    {
        var line = Current.Line;
        var first = ParseMath1();
        var rest = new List<(string, JinjaExpr)>();
        while (true)
        {
            if (Current.Kind == JinjaTokenKind.Operator && CompareOperators.Contains(Current.Text))
                rest.Add((Advance().Text, ParseMath1()));
            else if (TryName("in"))
                rest.Add(("in", ParseMath1()));
            else if (IsName("not") && Peek().Is(JinjaTokenKind.Name, "in"))
            {
                _at += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else break;
        }
        return rest.Count == 0 ? first : new CompareExpr(line, first, rest);
    }

    private JinjaExpr ParseMath1()
    {
        var left = ParseConcat();
        while (IsOperator("+") || IsOperator("-"))
        {
            var op = Advance();
            left = new BinaryExpr(op.Line, op.Text, left, ParseConcat());
        }
        return left;
    }

    private JinjaExpr ParseConcat()
    {
        var left = ParseMath2();
        while (IsOperator("~"))
        {
            var op = Advance();
            left = new BinaryExpr(op.Line, "~", left, ParseMath2());
        }
        return left;
    }

    private JinjaExpr ParseMath2()
    {
        var left = ParsePow();
        while (IsOperator("*") || IsOperator("/") || IsOperator("//") || IsOperator("%"))
        {
            var op = Advance();
            left = new BinaryExpr(op.Line, op.Text, left, ParsePow());
        }
        return left;
    }

    private JinjaExpr ParsePow()
    {
        var left = ParseUnary();
        while (IsOperator("**"))
        {
            var op = Advance();
            left = new BinaryExpr(op.Line, "**", left, ParseUnary());
        }
        return left;
    }

    private JinjaExpr ParseUnary(bool withFilter = true)
    {
        JinjaExpr node;
        if (IsOperator("-") || IsOperator("+"))
        {
            var op = Advance();
            node = new UnaryExpr(op.Line, op.Text, ParseUnary(withFilter: false));
        }
        else node = ParsePostfix(ParsePrimary());
        return withFilter ? ParseFilterOrTest(node) : node;
    }

    private JinjaExpr ParsePrimary()
    {
        var token = Advance();
        switch (token.Kind)
        {
            case JinjaTokenKind.Name:
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpr(token.Line, true),
                    "false" or "False" => new LiteralExpr(token.Line, false),
                    "none" or "None" => new LiteralExpr(token.Line, null),
                    _ => new NameExpr(token.Line, token.Text),
                };
            case JinjaTokenKind.String:
                var text = token.Text;
                while (Current.Kind == JinjaTokenKind.String) text += Advance().Text; // 'a' 'b' is 'ab', as in Python
                return new LiteralExpr(token.Line, text);
            case JinjaTokenKind.Integer:
            case JinjaTokenKind.Float:
                return new LiteralExpr(token.Line, token.Number);
            case JinjaTokenKind.Operator when token.Text == "(":
                var inner = ParseTuple(explicitParentheses: true);
                Expect(JinjaTokenKind.Operator, ")");
                return inner;
            case JinjaTokenKind.Operator when token.Text == "[":
                return new ListExpr(token.Line, ParseItems("]"));
            case JinjaTokenKind.Operator when token.Text == "{":
                var pairs = new List<(JinjaExpr, JinjaExpr)>();
                while (!TryOperator("}"))
                {
                    if (pairs.Count > 0) { Expect(JinjaTokenKind.Operator, ","); if (TryOperator("}")) break; }
                    var key = ParseExpression();
                    Expect(JinjaTokenKind.Operator, ":");
                    pairs.Add((key, ParseExpression()));
                }
                return new DictExpr(token.Line, pairs);
        }
        throw new JinjaSyntaxException(token.Line, $"unexpected {token}");
    }

    private List<JinjaExpr> ParseItems(string close)
    {
        var items = new List<JinjaExpr>();
        while (!TryOperator(close))
        {
            if (items.Count > 0) { Expect(JinjaTokenKind.Operator, ","); if (TryOperator(close)) break; }
            items.Add(ParseExpression());
        }
        return items;
    }

    private JinjaExpr ParsePostfix(JinjaExpr node)
    {
        while (true)
        {
            if (IsOperator("."))
            {
                var line = Advance().Line;
                if (Current.Kind == JinjaTokenKind.Integer)
                    node = new ItemExpr(line, node, new LiteralExpr(line, Advance().Number));
                else node = new AttributeExpr(line, node, Expect(JinjaTokenKind.Name).Text);
            }
            else if (IsOperator("[")) node = ParseSubscript(node);
            else if (IsOperator("(")) node = ParseCall(node);
            else return node;
        }
    }

    private JinjaExpr ParseSubscript(JinjaExpr target)
    {
        var line = Advance().Line;
        JinjaExpr? start = null, stop = null, step = null;
        var isSlice = false;
        if (!IsOperator(":")) start = ParseExpression();
        if (TryOperator(":"))
        {
            isSlice = true;
            if (!IsOperator("]") && !IsOperator(":")) stop = ParseExpression();
            if (TryOperator(":") && !IsOperator("]")) step = ParseExpression();
        }
        Expect(JinjaTokenKind.Operator, "]");
        return isSlice ? new SliceExpr(line, target, start, stop, step) : new ItemExpr(line, target, start!);
    }

    private CallExpr ParseCall(JinjaExpr callee)
    {
        var line = Advance().Line;
        var (args, kwargs) = ParseArguments();
        return new CallExpr(line, callee, args, kwargs);
    }

    /// <summary>Arguments after an opening parenthesis, through the closing one.</summary>
    private (List<JinjaExpr>, List<(string, JinjaExpr)>) ParseArguments()
    {
        var args = new List<JinjaExpr>();
        var kwargs = new List<(string, JinjaExpr)>();
        while (!TryOperator(")"))
        {
            if (args.Count + kwargs.Count > 0) { Expect(JinjaTokenKind.Operator, ","); if (TryOperator(")")) break; }
            if (IsOperator("*") || IsOperator("**")) throw new JinjaUnsupportedException(Current.Line, "*args / **kwargs in a call");
            if (Current.Kind == JinjaTokenKind.Name && Peek().Is(JinjaTokenKind.Operator, "="))
            {
                var name = Advance().Text;
                Advance();
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0) throw new JinjaSyntaxException(Current.Line, "a positional argument follows a keyword argument");
                args.Add(ParseExpression());
            }
        }
        return (args, kwargs);
    }

    private JinjaExpr ParseFilterOrTest(JinjaExpr node)
    {
        while (true)
        {
            if (IsOperator("|"))
            {
                var line = Advance().Line;
                var name = ParseDottedName();
                if (!JinjaFilters.Supported.Contains(name)) throw JinjaFilters.Unsupported(name, line);
                List<JinjaExpr> args = [];
                List<(string, JinjaExpr)> kwargs = [];
                if (TryOperator("(")) (args, kwargs) = ParseArguments();
                node = new FilterExpr(line, node, name, args, kwargs);
            }
            else if (IsName("is"))
            {
                var line = Advance().Line;
                var negated = TryName("not");
                var name = ParseDottedName();
                if (!JinjaIsTests.Supported.Contains(name)) throw new JinjaUnsupportedException(line, $"the test '{name}'");
                List<JinjaExpr> args = [];
                if (TryOperator("(")) (args, _) = ParseArguments();
                else if (StartsTestArgument())
                    args = [ParsePostfix(ParsePrimary())];
                node = new TestExpr(line, node, name, args, negated);
            }
            else if (IsOperator("(")) node = ParseCall(node);
            else return node;
        }
    }

    /// <summary>jinja allows one argument without parentheses: <c>x is divisibleby 3</c>, <c>x is sameas none</c>.</summary>
    private bool StartsTestArgument() =>
        Current.Kind is JinjaTokenKind.String or JinjaTokenKind.Integer or JinjaTokenKind.Float
        || (Current.Kind == JinjaTokenKind.Name && Current.Text is not ("else" or "or" or "and" or "is"))
        || IsOperator("[") || IsOperator("{") || IsOperator("(");

    private string ParseDottedName()
    {
        var name = Expect(JinjaTokenKind.Name).Text;
        while (IsOperator(".") && Peek().Kind == JinjaTokenKind.Name)
        {
            Advance();
            name += "." + Advance().Text;
        }
        return name;
    }
}
