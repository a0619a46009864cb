using System.Text;

namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

/// <summary>
/// Variables visible at one point of a template. As in jinja2, every for-loop iteration and every macro call opens
/// a fresh scope (so a <c>set</c> inside a loop is gone in the next iteration and after the loop), while <c>if</c>
/// bodies share their surrounding scope.
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public object? Lookup(string name)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
            if (scope._variables.TryGetValue(name, out var value)) return value;
        return JinjaUndefined.ForName(name);
    }

    public JinjaScope? Parent { get; } = parent;

    public void Set(string name, object? value) => _variables[name] = value;
}

/// <summary>Renders a parsed template: runs the statements and evaluates the expressions.</summary>
internal sealed class JinjaEvaluator
{
    private const int MaxMacroDepth = 200;
    private readonly StringBuilder _output = new();
    private int _macroDepth;

    public static string Render(IReadOnlyList<JinjaNode> template, JinjaScope globals)
    {
        var evaluator = new JinjaEvaluator();
        evaluator.Run(template, new JinjaScope(globals), evaluator._output);
        return evaluator._output.ToString();
    }

    private void Run(IReadOnlyList<JinjaNode> body, JinjaScope scope, StringBuilder output)
    {
        foreach (var node in body)
        {
            try { Execute(node, scope, output); }
            catch (JinjaException e) when (e.Line == 0) { e.Line = node.Line; throw; }
        }
    }

    private void Execute(JinjaNode node, JinjaScope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text: output.Append(text.Text); break;
            case OutputNode o: output.Append(JinjaPython.Str(Evaluate(o.Value, scope))); break;
            case IfNode i:
                foreach (var (condition, body) in i.Branches)
                    if (JinjaPython.IsTrue(Evaluate(condition, scope))) { Run(body, scope, output); return; }
                Run(i.Else, scope, output);
                break;
            case ForNode f: ExecuteFor(f, scope, output); break;
            case SetNode s: Assign(s.Target, Evaluate(s.Value, scope), scope); break;
            case SetBlockNode b:
                var captured = new StringBuilder();
                Run(b.Body, scope, captured);
                scope.Set(b.Name, captured.ToString());
                break;
            case MacroNode m: scope.Set(m.Name, MakeMacro(m, scope)); break;
            default: throw new JinjaUnsupportedException(node.Line, $"the statement {node.GetType().Name}");
        }
    }

    private void ExecuteFor(ForNode f, JinjaScope scope, StringBuilder output)
    {
        var source = Evaluate(f.Iterable, scope);
        IReadOnlyList<object?> items = JinjaPython.Iterate(source);
        if (f.Filter is not null)
        {
            // `for x in xs if cond` filters before the loop runs, so loop.length and loop.last count kept items only.
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var probe = new JinjaScope(scope);
                Assign(f.Target, item, probe);
                if (JinjaPython.IsTrue(Evaluate(f.Filter, probe))) kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0) { Run(f.Else, scope, output); return; }
        var loop = new JinjaLoop(items);
        for (var i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            var iteration = new JinjaScope(scope);
            iteration.Set("loop", loop);
            Assign(f.Target, items[i], iteration);
            Run(f.Body, iteration, output);
        }
    }

    private void Assign(JinjaExpr target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameExpr name: scope.Set(name.Name, value); break;
            case TupleExpr tuple:
                var parts = JinjaPython.Iterate(value);
                if (parts.Count != tuple.Items.Count)
                    throw new JinjaRuntimeException($"cannot unpack {parts.Count} values into {tuple.Items.Count} names");
                for (var i = 0; i < parts.Count; i++) Assign(tuple.Items[i], parts[i], scope);
                break;
            case AttributeExpr { Target: NameExpr owner } attribute:
                if (scope.Lookup(owner.Name) is not JinjaNamespace ns)
                    throw new JinjaRuntimeException("cannot assign attribute on non-namespace object");
                ns.Attributes[attribute.Name] = value;
                break;
            default: throw new JinjaSyntaxException(target.Line, "cannot assign to this expression");
        }
    }

    private JinjaCallable MakeMacro(MacroNode macro, JinjaScope definedIn) => new(macro.Name, call =>
    {
        // A macro may call itself; without a bound a runaway template would overflow the stack and end the process.
        if (_macroDepth >= MaxMacroDepth)
            throw new JinjaRuntimeException($"macro '{macro.Name}' nests deeper than {MaxMacroDepth} calls");
        _macroDepth++;
        try { return CallMacro(macro, definedIn, call); }
        finally { _macroDepth--; }
    });

    private string CallMacro(MacroNode macro, JinjaScope definedIn, JinjaCall call)
    {
        var scope = new JinjaScope(definedIn);
        if (call.Args.Count > macro.Parameters.Count)
            throw new JinjaRuntimeException($"macro '{macro.Name}' takes not more than {macro.Parameters.Count} argument(s)");
        for (var i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, fallback) = macro.Parameters[i];
            scope.Set(name, call.Has(i, name) ? call.Arg(i, name)
                          : fallback is not null ? Evaluate(fallback, scope) : JinjaUndefined.ForName(name));
        }
        foreach (var key in call.Kwargs.Keys)
            if (macro.Parameters.All(p => p.Name != key))
                throw new JinjaRuntimeException($"macro '{macro.Name}' takes no keyword argument '{key}'");
        var text = new StringBuilder();
        Run(macro.Body, scope, text);
        return text.ToString();
    }

    // ---- expressions ----

    public object? Evaluate(JinjaExpr expr, JinjaScope scope)
    {
        try { return EvaluateCore(expr, scope); }
        catch (JinjaException e) when (e.Line == 0) { e.Line = expr.Line; throw; }
    }

    private object? EvaluateCore(JinjaExpr expr, JinjaScope scope)
    {
        switch (expr)
        {
            case LiteralExpr l: return l.Value;
            case NameExpr n: return scope.Lookup(n.Name);
            case ListExpr l: return l.Items.Select(i => Evaluate(i, scope)).ToList();
            case TupleExpr t: return t.Items.Select(i => Evaluate(i, scope)).ToArray();
            case DictExpr d:
                var dict = new JinjaDict();
                foreach (var (key, value) in d.Items) dict.Set(Evaluate(key, scope), Evaluate(value, scope));
                return dict;
            case AttributeExpr a: return JinjaAccess.Attribute(Evaluate(a.Target, scope), a.Name, a.Line);
            case ItemExpr i: return JinjaAccess.Item(Evaluate(i.Target, scope), Evaluate(i.Key, scope), i.Line);
            case SliceExpr s:
                return JinjaAccess.Slice(Evaluate(s.Target, scope), EvaluateOptional(s.Start, scope),
                                         EvaluateOptional(s.Stop, scope), EvaluateOptional(s.Step, scope));
            case CallExpr c: return EvaluateCall(c, scope);
            case FilterExpr f:
                return JinjaFilters.Apply(f.Name, Evaluate(f.Value, scope), MakeCall(f.Args, f.Kwargs, scope, f.Line));
            case TestExpr t:
                var passed = JinjaIsTests.Apply(t.Name, Evaluate(t.Value, scope), t.Args.Select(a => Evaluate(a, scope)).ToList(), t.Line);
                return passed != t.Negated;
            case BinaryExpr b: return JinjaOperators.Binary(b.Operator, Evaluate(b.Left, scope), Evaluate(b.Right, scope));
            case UnaryExpr u: return JinjaOperators.Unary(u.Operator, Evaluate(u.Operand, scope));
            case NotExpr n: return !JinjaPython.IsTrue(Evaluate(n.Operand, scope));
            case LogicalExpr l:
                var left = Evaluate(l.Left, scope);
                return JinjaPython.IsTrue(left) == l.IsAnd ? Evaluate(l.Right, scope) : left;
            case CompareExpr c: return EvaluateCompare(c, scope);
            case ConditionalExpr c:
                if (JinjaPython.IsTrue(Evaluate(c.Condition, scope))) return Evaluate(c.Then, scope);
                return c.Otherwise is null ? new JinjaUndefined("the inline if-expression evaluated to false and no else section was defined.")
                                           : Evaluate(c.Otherwise, scope);
        }
        throw new JinjaUnsupportedException(expr.Line, $"the expression {expr.GetType().Name}");
    }

    private object? EvaluateOptional(JinjaExpr? expr, JinjaScope scope) => expr is null ? null : Evaluate(expr, scope);

    private bool EvaluateCompare(CompareExpr c, JinjaScope scope)
    {
        var left = Evaluate(c.First, scope);
        foreach (var (op, operand) in c.Rest)
        {
            var right = Evaluate(operand, scope);
            if (!JinjaOperators.Compare(op, left, right)) return false;
            left = right;
        }
        return true;
    }

    private JinjaCall MakeCall(IReadOnlyList<JinjaExpr> args, IReadOnlyList<(string Name, JinjaExpr Value)> kwargs, JinjaScope scope, int line)
    {
        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in kwargs) named[name] = Evaluate(value, scope);
        return new JinjaCall(args.Select(a => Evaluate(a, scope)).ToList(), named, line);
    }

    private object? EvaluateCall(CallExpr c, JinjaScope scope)
    {
        var callee = Evaluate(c.Callee, scope);
        var call = MakeCall(c.Args, c.Kwargs, scope, c.Line);
        return callee switch
        {
            JinjaCallable f => f.Invoke(call),
            JinjaUndefined u => throw u.Fail(),
            _ => throw new JinjaRuntimeException($"'{JinjaPython.TypeName(callee)}' object is not callable"),
        };
    }
}
