namespace TuneSharp.Tokenization.ChatTemplates.Jinja;

// The syntax tree the parser builds and the evaluator walks. Every node keeps the template line it starts on, so
// a failure while rendering can say where it happened.

internal abstract record JinjaNode(int Line);

// ---- statements ----

/// <summary>Template text outside any tag, already trimmed by the lexer's whitespace rules.</summary>
internal sealed record TextNode(int Line, string Text) : JinjaNode(Line);

/// <summary><c>{{ expression }}</c>.</summary>
internal sealed record OutputNode(int Line, JinjaExpr Value) : JinjaNode(Line);

/// <summary><c>{% if %}</c> with its <c>elif</c> branches folded into <see cref="Branches"/>.</summary>
internal sealed record IfNode(int Line, IReadOnlyList<(JinjaExpr Condition, IReadOnlyList<JinjaNode> Body)> Branches,
                              IReadOnlyList<JinjaNode> Else) : JinjaNode(Line);

/// <summary><c>{% for targets in iterable if filter %} body {% else %} empty {% endfor %}</c>.</summary>
internal sealed record ForNode(int Line, JinjaExpr Target, JinjaExpr Iterable, JinjaExpr? Filter,
                               IReadOnlyList<JinjaNode> Body, IReadOnlyList<JinjaNode> Else) : JinjaNode(Line);

/// <summary><c>{% set target = value %}</c>; the target is a name, a tuple of names, or <c>namespace.attribute</c>.</summary>
internal sealed record SetNode(int Line, JinjaExpr Target, JinjaExpr Value) : JinjaNode(Line);

/// <summary><c>{% set name %} body {% endset %}</c>: the rendered body is assigned.</summary>
internal sealed record SetBlockNode(int Line, string Name, IReadOnlyList<JinjaNode> Body) : JinjaNode(Line);

/// <summary><c>{% macro name(parameters) %} body {% endmacro %}</c>; a parameter's default is null when it has none.</summary>
internal sealed record MacroNode(int Line, string Name, IReadOnlyList<(string Name, JinjaExpr? Default)> Parameters,
                                 IReadOnlyList<JinjaNode> Body) : JinjaNode(Line);

// ---- expressions ----

internal abstract record JinjaExpr(int Line) : JinjaNode(Line);

internal sealed record LiteralExpr(int Line, object? Value) : JinjaExpr(Line);

internal sealed record NameExpr(int Line, string Name) : JinjaExpr(Line);

internal sealed record ListExpr(int Line, IReadOnlyList<JinjaExpr> Items) : JinjaExpr(Line);

internal sealed record TupleExpr(int Line, IReadOnlyList<JinjaExpr> Items) : JinjaExpr(Line);

internal sealed record DictExpr(int Line, IReadOnlyList<(JinjaExpr Key, JinjaExpr Value)> Items) : JinjaExpr(Line);

/// <summary><c>target.name</c>: an attribute first, then an item of that name (jinja's getattr).</summary>
internal sealed record AttributeExpr(int Line, JinjaExpr Target, string Name) : JinjaExpr(Line);

/// <summary><c>target[key]</c>: an item first, then an attribute (jinja's getitem).</summary>
internal sealed record ItemExpr(int Line, JinjaExpr Target, JinjaExpr Key) : JinjaExpr(Line);

/// <summary><c>target[start:stop:step]</c>; missing parts are null.</summary>
internal sealed record SliceExpr(int Line, JinjaExpr Target, JinjaExpr? Start, JinjaExpr? Stop, JinjaExpr? Step) : JinjaExpr(Line);

internal sealed record CallExpr(int Line, JinjaExpr Callee, IReadOnlyList<JinjaExpr> Args,
                                IReadOnlyList<(string Name, JinjaExpr Value)> Kwargs) : JinjaExpr(Line);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpr(int Line, JinjaExpr Value, string Name, IReadOnlyList<JinjaExpr> Args,
                                  IReadOnlyList<(string Name, JinjaExpr Value)> Kwargs) : JinjaExpr(Line);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpr(int Line, JinjaExpr Value, string Name, IReadOnlyList<JinjaExpr> Args, bool Negated) : JinjaExpr(Line);

/// <summary>An arithmetic or concatenation operator: <c>+ - * / // % ** ~</c>.</summary>
internal sealed record BinaryExpr(int Line, string Operator, JinjaExpr Left, JinjaExpr Right) : JinjaExpr(Line);

/// <summary>Unary <c>-</c> or <c>+</c>.</summary>
internal sealed record UnaryExpr(int Line, string Operator, JinjaExpr Operand) : JinjaExpr(Line);

internal sealed record NotExpr(int Line, JinjaExpr Operand) : JinjaExpr(Line);

/// <summary><c>and</c> / <c>or</c>, which return one of their operands as Python does.</summary>
internal sealed record LogicalExpr(int Line, bool IsAnd, JinjaExpr Left, JinjaExpr Right) : JinjaExpr(Line);

/// <summary>A comparison chain <c>a &lt; b == c</c>; operators are <c>== != &lt; &lt;= &gt; &gt;= in notin</c>.</summary>
internal sealed record CompareExpr(int Line, JinjaExpr First, IReadOnlyList<(string Operator, JinjaExpr Operand)> Rest) : JinjaExpr(Line);

/// <summary><c>then if condition else otherwise</c>; without <c>else</c> the value is undefined when false.</summary>
internal sealed record ConditionalExpr(int Line, JinjaExpr Condition, JinjaExpr Then, JinjaExpr? Otherwise) : JinjaExpr(Line);
