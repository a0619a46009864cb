using TuneSharp.Tokenization.ChatTemplates;
using TuneSharp.Tokenization.ChatTemplates.Jinja;

namespace TuneSharp.Tests.Tokenization.ChatTemplates;

/// <summary>
/// The Jinja renderer's semantics, construct by construct. Every expected text and error message below is what
/// Python's jinja2 3.1.2 gives for the same template and variables in transformers' environment
/// (ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with raise_exception), run once in the reference
/// environment; the first argument only groups the cases.
/// </summary>
public sealed class ChatTemplateRendererTests
{
    private static readonly Dictionary<string, object?> Variables = new()
    {
        ["messages"] = new List<ChatMessage> { new("system", "sys"), new("user", " hi "), new("assistant", "yo") },
        ["x"] = "str",
        ["d"] = new Dictionary<string, object?> { ["a"] = 1, ["b"] = new List<object?> { 1, 2 } },
    };

    private static string Render(string source) => JinjaTemplate.Parse(source, "test").Render(Variables);

    [Theory]
    [InlineData("whitespace", "a  {%- if true %} b {% endif -%}  c", "a b c")]
    [InlineData("whitespace", "  {% if true %}\n  x\n  {% endif %}\ny", "  x\ny")]
    [InlineData("whitespace", "  {%+ if true %}x{% endif +%}\ny", "  x\ny")]
    [InlineData("whitespace", "a {{- ' b ' -}} c", "a b c")]
    [InlineData("whitespace", "  {{ 'x' }}\n  {{ 'y' }}\n", "  x\n  y")]
    [InlineData("whitespace", "{# comment #}\nA\n  {# c2 #}  B\n  {#- c3 -#}  C", "A\n  BC")]
    [InlineData("whitespace", "line1\r\nline2\r\n", "line1\nline2")]
    [InlineData("whitespace", "x {%- set a = 1 -%}\n\n y{{ a }}", "xy1")]
    [InlineData("whitespace", "{% if true %}\n    {% if true %}z{% endif %}\n{% endif %}", "z")]
    [InlineData("whitespace", "a\n\t {% if true %}b{% endif %}\nc {% if true %}d{% endif %}", "a\nbc d")]
    [InlineData("whitespace", "{{ 'a' }}   {% if true %}b{% endif %}", "a   b")]
    [InlineData("whitespace", "{% for i in [1, 2] %}\n  - {{ i }}\n{% endfor %}\nend", "  - 1\n  - 2\nend")]
    [InlineData("loop", "{% for x in [1,2,3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;")]
    [InlineData("loop", "{% for x in 'ab' %}{{ loop.previtem|default('-') }}{{ x }}{{ loop.nextitem|default('-') }} {% endfor %}", "-ab ab- ")]
    [InlineData("loop", "{% for x in range(6) if x is even %}{{ x }}{{ ',' if not loop.last }}{% endfor %}", "0,2,4")]
    [InlineData("loop", "{% for x in [] %}a{% else %}empty{% endfor %}", "empty")]
    [InlineData("loop", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}", "a1b2")]
    [InlineData("loop", "{% for x in [1,2,3] %}{{ loop.cycle('odd', 'even') }}{% endfor %}", "oddevenodd")]
    [InlineData("loop", "{% set x = 1 %}{% for i in range(2) %}{% set x = x + 10 %}{{ x }}{% endfor %}{{ x }}", "11111")]
    [InlineData("loop", "{% for m in messages %}{% for c in m.role %}{% if loop.first %}{{ c }}{% endif %}{% endfor %}{{ loop.index }}{% endfor %}", "s1u2a3")]
    [InlineData("namespace", "{% set ns = namespace(n=0, s='') %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% set ns.s = ns.s ~ i %}{% endfor %}{{ ns.n }} {{ ns.s }}", "6 0123")]
    [InlineData("set", "{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}{% if true %}{% set c = 3 %}{% endif %}{{ c }}", "12(1, 2)3")]
    [InlineData("set", "{% set block %}  inner {{ 1 }}{% endset %}[{{ block }}]", "[  inner 1]")]
    [InlineData("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet() }}", "Hi Bob! Hi Al? Hi !")]
    [InlineData("expr", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ -7 // 2 }} {{ 2 ** 3 }} {{ 10 / 4 }} {{ 4 / 2 }} {{ -(3) }} {{ 1.5 * 2 }}", "7 9 3 1 -4 8 2.5 2.0 -3 3.0")]
    [InlineData("expr", "{{ 'yes' if 1 in [1, 2] else 'no' }} {{ 'b' in 'abc' }} {{ 'z' not in 'abc' }} {{ 'a' in {'a': 1} }} {{ not true }} {{ none is none }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }}", "yes True True True False True True False True True True True")]
    [InlineData("expr", "{{ [1, 'a', none, true, 2.5] }} {{ {'k': 'v', 'n': 1} }} {{ (1,) }} {{ (1, 'b') }} {{ none }} {{ 1e3 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ \"it's\" }} {{ ['it\\'s'] }}", "[1, 'a', None, True, 2.5] {'k': 'v', 'n': 1} (1,) (1, 'b') None 1000.0 0.30000000000000004 1e+16 1e-05 it's [\"it's\"]")]
    [InlineData("expr", "{{ messages[0]['role'] }} {{ messages[1].content }} {{ messages[-1].role }} {{ messages[1:] | length }} {{ messages[:-1][-1].role }}", "system  hi  assistant 2 user")]
    [InlineData("expr", "{{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ [1,2,3,4][::2] }} {{ [1,2,3][-2:] }} {{ 'hello'[1] }} {{ 'héllo'[-4] }}", "el olleh [1, 3] [2, 3] e é")]
    [InlineData("expr", "{{ 'a' 'b' }} {{ 'tab\\there\\n\\u00e9\\x41\\\\' }} {{ \"dq \\\"x\\\"\" }} {{ 'a' ~ 1 ~ none ~ nope }} {{ 'a' * 3 }} {{ [0] * 2 }} {{ [1] + [2] }}", "ab tab\there\néA\\ dq \"x\" a1None aaa [0, 0] [1, 2]")]
    [InlineData("expr", "{{ '' or 'fallback' }} {{ 0 and 1 }} {{ 'x' and 'y' }} {{ none or 0 }} {{ 'v' if false }}|", "fallback 0 y 0 |")]
    [InlineData("tests", "{{ x is defined }}{{ y is defined }}{{ y is undefined }}{{ x is string }}{{ 3 is number }}{{ true is number }}{{ true is boolean }}{{ d is mapping }}{{ [] is iterable }}{{ 'a' is sequence }}{{ 3 is string }}", "TrueFalseTrueTrueTrueTrueTrueTrueTrueTrueFalse")]
    [InlineData("tests", "{{ 4 is divisibleby 2 }}{{ 4 is divisibleby(3) }}{{ false is false }}{{ 1 is true }}{{ true is true }}{{ none is not none }}{{ 3 is odd }}{{ 3 is even }}{{ 1 is integer }}{{ 1.0 is float }}{{ 2 is eq 2 }}{{ 'a' is in 'abc' }}{{ 'A' is upper }}{{ 'a' is lower }}", "TrueFalseTrueFalseTrueFalseTrueFalseTrueTrueTrueTrueTrueTrue")]
    [InlineData("filters", "{{ '  a b  ' | trim }}|{{ 'xxaxx' | trim('x') }}|{{ [1,2] | length }}{{ 'héllo' | length }}{{ d | count }}|{{ 'AbC' | lower }}{{ 'abc' | upper }}|{{ 'hello WORLD' | capitalize }}|{{ 'hello world-wide (x)' | title }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'aaa' | replace('a', 'c') }}", "a b|a|252|abcABC|Hello world|Hello World-Wide (X)|bba|ccc")]
    [InlineData("filters", "{{ [1, 2] | join(', ') }}|{{ ['a', 'b'] | join }}|{{ [1,2,3] | first }}{{ [1,2,3] | last }}{{ 'xyz' | first }}|{{ undefined_var | default('d') }}|{{ '' | default('d', true) }}|{{ '' | default('d') }}|{{ none | d('n') }}|{{ 12 | string }}{{ none | string }}", "1, 2|ab|13x|d|d||None|12None")]
    [InlineData("filters", "{{ '42' | int }} {{ 'x' | int }} {{ '3.7' | int }} {{ 3.9 | int }} {{ true | int }} {{ 'x' | int(7) }} {{ '2.5' | float }} {{ 'ab' | list }} {{ d | items | list }} {{ d | list }} {{ [3, 1] | reverse | list }} {{ -2 | abs }} {{ [1, 2] | sum }} {{ ['a', 'A', 'b'] | unique | list }}", "42 0 3 3 1 7 2.5 ['a', 'b'] [('a', 1), ('b', [1, 2])] ['a', 'b'] [1, 3] 2 3 ['a', 'b']")]
    [InlineData("filters", "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ messages | rejectattr('role', 'eq', 'user') | map(attribute='role') | list }}|{{ [0, 1, '', 'a'] | select | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|{{ ['a', 'bb'] | map('length') | list }}|{{ messages | selectattr('role', 'in', ['system', 'assistant']) | list | length }}|{{ messages | map(attribute='nope', default='z') | join }}", " hi |['system', 'assistant']|[1, 'a']|[2, 4]|[1, 2]|2|zzz")]
    [InlineData("filters", "{{ {'b': [1, 'é', 2.0, true], 'a': none, 'c': '<&>\\''} | tojson }}|{{ 'x\"\\n' | tojson }}|{{ [] | tojson(indent=2) }}|{{ {'a': {'b': []}} | tojson(indent=1) }}|{{ '\U0001f600' | tojson }}", "{\"a\": null, \"b\": [1, \"\\u00e9\", 2.0, true], \"c\": \"\\u003c\\u0026\\u003e\\u0027\"}|\"x\\\"\\n\"|[]|{\n \"a\": {\n  \"b\": []\n }\n}|\"\\ud83d\\ude00\"")]
    [InlineData("filters", "{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(width='--', blank=true) }}|{{ 'one' | indent }}", "a\n  b\n\n  c|  a\n  b|a\n--\n--b|one")]
    [InlineData("methods", "{{ '  x  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  x'.lstrip() }}|{{ 'x  '.rstrip() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}|{{ ' a b  c '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'ab'.upper() }}{{ 'AB'.lower() }}|{{ \"they're here 2nd\".title() }}|{{ 'aXbX'.replace('X', '-') }}|{{ 'aXbX'.replace('X', '-', 1) }}|{{ 'hello world'.capitalize() }}|{{ '-'.join(['a', 'b']) }}|{{ 'banana'.count('a') }}{{ 'banana'.find('n') }}", "x|hi|x|x|TrueTrue|['a', 'b', 'c']|['a', 'b', '', 'c']|['a', 'b,c']|ABab|They'Re Here 2Nd|a-b-|a-bX|Hello world|a-b|32")]
    [InlineData("methods", "{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }} {{ d['a'] }} {{ d.a }} {{ d.b[1] }} {{ d.b.0 }}", "1 dflt None ['a', 'b'] [1, [1, 2]] [('a', 1), ('b', [1, 2])] 1 1 2 1")]
    [InlineData("undefined", "[{{ nope }}][{{ nope | length }}][{{ nope is defined }}][{% if nope %}y{% else %}n{% endif %}][{% for x in nope %}x{% endfor %}][{{ d.missing }}][{{ messages[5] }}][{{ nope | trim }}][{{ nope == nope }}][{{ nope != 1 }}][{{ 'a' if nope else 'b' }}]", "[][0][False][n][][][][][True][True][b]")]
    [InlineData("scope", "{% for a in [1,2] %}{% for b in [3,4] %}{{ loop.index }}{{ a }}{{ b }},{% endfor %}{{ loop.index }};{% endfor %}", "113,214,1;123,224,2;")]
    [InlineData("scope", "{% set y = 0 %}{% for m in messages %}{% if m.role == 'user' %}{% set y = 5 %}{% endif %}{{ y }}{% endfor %}{{ y }}", "0500")]
    [InlineData("scope", "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}", "2")]
    [InlineData("scope", "{% macro m(v) %}{% set v = v ~ '!' %}{{ v }}{% endmacro %}{{ m('a') }}{{ v }}", "a!")]
    [InlineData("scope", "{% for m in messages %}{% set last = m.role %}{% endfor %}[{{ last }}]", "[]")]
    [InlineData("scope", "{% set messages = messages[1:] %}{{ messages | length }}{% for m in messages %}{{ m.role[0] }}{% endfor %}", "2ua")]
    [InlineData("scope", "{% for x in [1] %}{{ x }}{% endfor %}{{ x }}", "1str")]
    [InlineData("scope", "{% set ns = namespace() %}{% set ns.a = 1 %}{% for i in range(3) %}{% set ns.a = ns.a * 2 %}{% endfor %}{{ ns.a }}{{ ns.b is defined }}", "8False")]
    [InlineData("scope", "{% set ns = namespace({'k': 'v'}, n=1) %}{{ ns.k }}{{ ns.n }}{{ ns['k'] }}", "v1v")]
    [InlineData("loop", "{% for m in messages if m.role != 'system' %}{{ loop.index }}{{ m.role }}{{ loop.length }}{% else %}none{% endfor %}", "1user22assistant2")]
    [InlineData("loop", "{% for m in messages if m.role == 'tool' %}x{% else %}none{% endfor %}", "none")]
    [InlineData("loop", "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}", "37")]
    [InlineData("loop", "{% for k in d %}{{ k }}{% endfor %}{% for c in 'xy' %}{{ c }}{% endfor %}", "abxy")]
    [InlineData("if", "{% if messages|length > 2 and messages[0].role == 'system' or false %}A{% elif true %}B{% else %}C{% endif %}", "A")]
    [InlineData("if", "{% if not messages %}empty{% elif messages[-1]['role'] == 'assistant' %}ends with assistant{% endif %}", "ends with assistant")]
    [InlineData("expr", "{{ messages[0]['content'] if messages[0]['role'] == 'system' else 'default' }}", "sys")]
    [InlineData("expr", "{{ (messages | selectattr('role', 'equalto', 'user') | first).content | trim }}", "hi")]
    [InlineData("expr", "{{ messages | map(attribute='content') | map('trim') | join('|') }}", "sys|hi|yo")]
    [InlineData("expr", "{{ d.b | length }}{{ d['b'][-1] }}{{ (d.b + [3]) | sum }}{{ d.a is number }}", "226True")]
    [InlineData("expr", "{{ '%s' if false else 'p' }}{{ 1 if none is none }}", "p1")]
    [InlineData("expr", "{{ x ~ '\\n' ~ x }}", "str\nstr")]
    [InlineData("expr", "{{ [1, 2, 3][1:][0] }}{{ ('a', 'b')[1] }}{{ {'a': {'b': 'c'}}.a.b }}", "2bc")]
    [InlineData("expr", "{{ x.upper().lower().title() }}{{ ' a '.strip().upper() }}", "StrA")]
    [InlineData("expr", "{{ -1 if true else 1 }}{{ 10 - 2 - 3 }}{{ 2 * 3 ** 2 }}{{ 7 - -2 }}{{ +3 }}", "-151893")]
    [InlineData("expr", "{{ 'abc' | length > 2 }}{{ not 'a' in 'abc' }}{{ 1 + 2 == 3 }}", "TrueFalseTrue")]
    [InlineData("set", "{% set content %}{% for m in messages %}{{ m.role }} {% endfor %}{% endset %}{{ content | trim }}", "system user assistant")]
    [InlineData("macro", "{% macro render(m, sep=': ') -%}\n  {{ m.role }}{{ sep }}{{ m.content | trim }}\n{%- endmacro %}\n{% for m in messages %}\n{{ render(m) }}\n{% endfor %}", "system: sys\nuser: hi\nassistant: yo\n")]
    [InlineData("macro", "{% macro wrap(t) %}<{{ t }}>{% endmacro %}{{ wrap(wrap('x')) }}{{ wrap(1) | length }}", "<<x>>3")]
    [InlineData("escapes", "{{ 'a\\ud800b' | length }}{{ 'x' | indent(-2, true) }}", "3x")]
    public void Renders_as_jinja2(string construct, string source, string expected)
    {
        Assert.False(string.IsNullOrEmpty(construct));
        Assert.Equal(expected, Render(source));
    }

    [Theory]
    [InlineData("{{ nope.attr }}", "'nope' is undefined")]
    [InlineData("{{ d.missing.x }}", "'dict object' has no attribute 'missing'")]
    [InlineData("{{ nope + 1 }}", "'nope' is undefined")]
    [InlineData("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ raise_exception('custom message here') }}", "custom message here")]
    [InlineData("{% set s = 'a' %}{% set s.y = 1 %}", "cannot assign attribute on non-namespace object")]
    [InlineData("{{ [1].append(2) }}", "access to attribute 'append' of 'list' object is unsafe.")]
    [InlineData("{{ messages[0].content.nope.x }}", "'str object' has no attribute 'nope'")]
    [InlineData("{{ 1 < 'a' }}", "'<' not supported between instances of 'int' and 'str'")]
    [InlineData("{{ messages[7]['role'] }}", "list object has no element 7")]
    [InlineData("{{ none.role.x }}", "'None' has no attribute 'role'")]
    public void Fails_where_jinja2_fails_with_its_message(string source, string message)
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render(source));
        Assert.Contains(message, error.Message);
        Assert.Contains("'test'", error.Message); // the template's name
    }

    [Fact]
    public void Raise_exception_keeps_the_templates_message_and_says_where()
    {
        var error = Assert.Throws<ChatTemplateException>(() =>
            Render("{% if true %}\n{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}"));
        Assert.Contains("Only user and assistant roles are supported!", error.Message);
        Assert.Contains("line 2", error.Message);
    }

    [Theory]
    [InlineData("a\n{{ x | wordwrap }}", "the filter 'wordwrap'", 2)]
    [InlineData("{{ x | no_such_filter }}", "the filter 'no_such_filter'", 1)]
    [InlineData("\n\n{% if x is escaped %}{% endif %}", "the test 'escaped'", 3)]
    [InlineData("{{ 'a {}'.format(1) }}", "the string method 'format'", 1)]
    [InlineData("a\n{% raw %}x{% endraw %}", "the 'raw' tag", 2)]
    [InlineData("{% for m in messages %}\n{% break %}{% endfor %}", "the 'break' tag", 2)]
    [InlineData("{% for m in messages recursive %}{% endfor %}", "a recursive for loop", 1)]
    [InlineData("\n{{ cycler('a', 'b') }}", "the function 'cycler'", 2)]
    [InlineData("{{ '%s' % x }}", "printf-style formatting", 1)]
    [InlineData("{{ 9223372036854775807 + 1 }}", "an integer beyond 64 bits", 1)]
    [InlineData("\n{{ 99999999999999999999 }}", "an integer beyond 64 bits", 2)]
    public void An_unsupported_construct_is_named_with_its_line(string source, string construct, int line)
    {
        var error = Assert.Throws<ChatTemplateException>(() => Render(source));
        Assert.Contains(construct, error.Message);
        Assert.Contains("not supported", error.Message);
        Assert.Contains($"line {line}:", error.Message);
    }

    [Theory]
    [InlineData("{% if true %}never closed", 1)]
    [InlineData("a\n{{ 1 + }}", 2)]
    [InlineData("{% for x in %}{% endfor %}", 1)]
    [InlineData("\n\n{% endif %}", 3)]
    [InlineData("{{ 'unterminated }}", 1)]
    [InlineData("{% frobnicate %}", 1)]
    public void A_syntax_error_says_where(string source, int line)
    {
        var error = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse(source, "test"));
        Assert.Contains("syntax error", error.Message);
        Assert.Contains($"line {line}:", error.Message);
    }

    [Fact]
    public void An_unsupported_filter_or_test_fails_when_the_template_loads_even_in_a_branch_not_taken()
    {
        var filter = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse("{% if false %}\n{{ x | wordcount }}{% endif %}", "t"));
        Assert.Contains("the filter 'wordcount'", filter.Message);
        Assert.Contains("line 2:", filter.Message);
        var test = Assert.Throws<ChatTemplateException>(() => JinjaTemplate.Parse("{{ x is frozen }}", "t"));
        Assert.Contains("the test 'frozen'", test.Message);
    }

    [Fact]
    public void A_macro_may_call_itself_but_not_without_end()
    {
        Assert.Equal("321", Render("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}"));
        var error = Assert.Throws<ChatTemplateException>(() => Render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        Assert.Contains("nests deeper than", error.Message);
    }

    [Fact]
    public void Special_tokens_that_the_tokenizer_lacks_are_undefined()
    {
        var template = new ChatTemplate("t", "[{{ bos_token }}][{{ eos_token }}][{{ pad_token is defined }}]", null, "</s>");
        Assert.Equal("[][</s>][False]", template.Render([new("user", "x")], false));
    }
}
