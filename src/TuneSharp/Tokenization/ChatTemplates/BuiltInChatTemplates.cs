namespace TuneSharp.Tokenization.ChatTemplates;

/// <summary>
/// TuneSharp's own Jinja templates for common chat formats, for models whose tokenizer_config.json has none. Each
/// follows its family's published prompt format and ends every assistant message with the family's end-of-turn
/// marker, so a fine-tuned model learns to stop. They are written with <c>{%-</c>/<c>{{-</c> so the layout here does not
/// leak into the text.
/// </summary>
internal static class BuiltInChatTemplates
{
    /// <summary>The templates by name, and whether each needs the tokenizer's eos_token.</summary>
    public static readonly IReadOnlyDictionary<string, (string Source, bool NeedsEos)> All =
        new Dictionary<string, (string, bool)>(StringComparer.Ordinal)
        {
            ["chatml"] = (ChatMl, false),
            ["alpaca"] = (Alpaca, true),
            ["llama-2"] = (Llama2, true),
            ["llama-3"] = (Llama3, false),
            ["zephyr"] = (Zephyr, true),
            ["mistral"] = (Mistral, true),
        };

    // OpenAI's ChatML as Qwen and many fine-tunes use it (no default system message).
    private const string ChatMl = """
        {%- for message in messages %}
        {{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
        {{- '<|im_start|>assistant\n' }}
        {%- endif %}
        """;

    // Stanford Alpaca's prompt. A "system" message first replaces the preamble; a message with role "input" after a
    // user turn is the instruction's input (and selects the preamble that mentions one); each response ends with EOS.
    private const string Alpaca = """
        {%- set ns = namespace(has_input=false) %}
        {%- for message in messages %}
          {%- if message['role'] == 'input' %}{% set ns.has_input = true %}{% endif %}
        {%- endfor %}
        {%- if messages and messages[0]['role'] == 'system' %}
          {%- set preamble = messages[0]['content'] %}
          {%- set turns = messages[1:] %}
        {%- else %}
          {%- if ns.has_input %}
            {%- set preamble = 'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.' %}
          {%- else %}
            {%- set preamble = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.' %}
          {%- endif %}
          {%- set turns = messages %}
        {%- endif %}
        {{- bos_token }}
        {{- preamble + '\n\n' }}
        {%- for message in turns %}
          {%- if message['role'] == 'user' %}
            {{- '### Instruction:\n' + message['content'] + '\n\n' }}
          {%- elif message['role'] == 'input' %}
            {{- '### Input:\n' + message['content'] + '\n\n' }}
          {%- elif message['role'] == 'assistant' %}
            {{- '### Response:\n' + message['content'] + eos_token }}
            {%- if not loop.last %}{{ '\n\n' }}{% endif %}
          {%- else %}
            {{- raise_exception("The alpaca template accepts the roles system (first), user, input and assistant, not '" ~ message['role'] ~ "'") }}
          {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
          {{- '### Response:\n' }}
        {%- endif %}
        """;

    // Llama-2-chat: [INST] ... [/INST] turns, a system message folded into the first user turn in <<SYS>> markers.
    private const string Llama2 = """
        {%- if messages and messages[0]['role'] == 'system' %}
          {%- set system_message = messages[0]['content'] %}
          {%- set turns = messages[1:] %}
        {%- else %}
          {%- set system_message = none %}
          {%- set turns = messages %}
        {%- endif %}
        {%- for message in turns %}
          {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
            {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
          {%- endif %}
          {%- set content = message['content'] %}
          {%- if loop.first and system_message is not none %}
            {%- set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + content %}
          {%- endif %}
          {%- if message['role'] == 'user' %}
            {{- bos_token ~ '[INST] ' + content.strip() + ' [/INST]' }}
          {%- elif message['role'] == 'assistant' %}
            {{- ' ' + content.strip() + ' ' + eos_token }}
          {%- else %}
            {{- raise_exception("The llama-2 template accepts the roles system (first), user and assistant, not '" ~ message['role'] ~ "'") }}
          {%- endif %}
        {%- endfor %}
        """;

    // Llama-3-instruct: header-delimited turns, each closed by <|eot_id|>.
    private const string Llama3 = """
        {{- bos_token }}
        {%- for message in messages %}
          {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
          {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}
        """;

    // Zephyr: <|system|>, <|user|>, <|assistant|> headers, every turn closed by EOS and a newline.
    private const string Zephyr = """
        {%- for message in messages %}
          {%- if message['role'] in ['system', 'user', 'assistant'] %}
            {{- '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}
          {%- else %}
            {{- raise_exception("The zephyr template accepts the roles system, user and assistant, not '" ~ message['role'] ~ "'") }}
          {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}
          {{- '<|assistant|>\n' }}
        {%- endif %}
        """;

    // Mistral-instruct: <s>[INST] user [/INST]answer</s>[INST] ...; a system message is prepended to the first user turn.
    private const string Mistral = """
        {{- bos_token }}
        {%- if messages and messages[0]['role'] == 'system' %}
          {%- set system_message = messages[0]['content'] %}
          {%- set turns = messages[1:] %}
        {%- else %}
          {%- set system_message = none %}
          {%- set turns = messages %}
        {%- endif %}
        {%- for message in turns %}
          {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
            {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
          {%- endif %}
          {%- if message['role'] == 'user' %}
            {%- set content = system_message + '\n\n' + message['content'] if loop.first and system_message is not none else message['content'] %}
            {{- '[INST] ' + content + ' [/INST]' }}
          {%- elif message['role'] == 'assistant' %}
            {{- message['content'] + eos_token }}
          {%- else %}
            {{- raise_exception("The mistral template accepts the roles system (first), user and assistant, not '" ~ message['role'] ~ "'") }}
          {%- endif %}
        {%- endfor %}
        """;
}
