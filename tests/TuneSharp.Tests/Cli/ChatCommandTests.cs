using System.Diagnostics;
using System.Text;

namespace TuneSharp.Tests.Cli;

/// <summary>
/// <c>tunesharp chat</c> as a user meets it, in a child process of the built CLI: over piped input (one message per
/// line, commands, end of input), with a context window that forces old turns out, and in a real terminal (tmux) where
/// it prompts, streams the reply and leaves on Ctrl-D and on Ctrl-C.
/// </summary>
public sealed class ChatCommandTests
{
    private static string CliDll => Path.Combine(AppContext.BaseDirectory, "TuneSharp.Cli.dll");

    private static (int Code, string Out, string Err) RunPiped(string input, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(CliDll);
        info.ArgumentList.Add("chat");
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["HF_HUB_OFFLINE"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "chat did not end at the end of its input");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [SkippableFact]
    public void Piped_messages_each_get_a_reply_and_commands_answer_on_stderr()
    {
        var model = SharedData.RequireModel("stories260K");
        var (code, stdout, stderr) = RunPiped("Tell me a story.\n/system You tell stories.\n/reset\n\nOnce upon a time\n/nope\n",
            "--model", model, "--chat-template", "chatml", "--max-new-tokens", "12");
        Assert.True(code == 0, stderr);
        Assert.False(string.IsNullOrWhiteSpace(stdout));
        Assert.Contains("(system message set)", stderr);
        Assert.Contains("(conversation reset)", stderr);
        Assert.Contains("unknown command /nope", stderr);
        Assert.Contains("(reply cut at --max-new-tokens 12)", stderr);
        Assert.DoesNotContain("you> ", stdout); // no prompts when the input is not a terminal
    }

    [SkippableFact]
    public void The_oldest_turns_are_dropped_to_fit_the_context_window_and_it_says_so()
    {
        var model = SharedData.RequireModel("stories260K"); // 512 positions
        var message = string.Join(' ', Enumerable.Repeat("The little cat sat on the mat and looked at the sun.", 6));
        var (code, stdout, stderr) = RunPiped(string.Concat(Enumerable.Repeat(message + "\n", 6)),
            "--model", model, "--chat-template", "chatml", "--max-new-tokens", "200");
        Assert.True(code == 0, stderr);
        Assert.Contains("oldest messages so the conversation fits the model's context window (512 tokens)", stderr);
    }

    [SkippableFact]
    public void A_message_too_long_for_the_window_is_an_error_and_the_chat_goes_on()
    {
        var model = SharedData.RequireModel("stories260K");
        var huge = string.Join(' ', Enumerable.Repeat("word", 900));
        var (code, stdout, stderr) = RunPiped(huge + "\nhello\n", "--model", model, "--chat-template", "chatml", "--max-new-tokens", "8");
        Assert.True(code == 0, stderr);
        Assert.Contains("do not fit the model's context window of 512 tokens", stderr);
        Assert.False(string.IsNullOrWhiteSpace(stdout)); // "hello" was answered after the refused message
        Assert.DoesNotContain("   at ", stderr); // no stack trace
    }

    [SkippableFact]
    public void In_a_terminal_it_prompts_streams_and_leaves_on_ctrl_d_and_ctrl_c()
    {
        var model = SharedData.RequireModel("stories260K");
        Skip.If(!File.Exists("/usr/bin/tmux"), "tmux is not installed; the terminal test is skipped (.ci/run installs it).");
        foreach (var leave in new[] { "C-d", "C-c" })
        {
            var session = $"tunesharp-chat-{Guid.NewGuid():N}"[..24];
            var done = Path.Combine(Path.GetTempPath(), session + ".exit");
            Tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "40",
                $"HF_HUB_OFFLINE=1 dotnet '{CliDll}' chat --model '{model}' --chat-template chatml --max-new-tokens 8; echo $? > '{done}'; sleep 30");
            try
            {
                WaitFor(session, screen => screen.Contains("you>"), "the prompt"); // capture-pane drops trailing spaces
                Tmux("send-keys", "-t", session, "Once upon a time", "Enter");
                WaitFor(session, screen => screen.Contains("assistant>") && screen.Split("you>").Length > 2, "the reply and the next prompt");
                Tmux("send-keys", "-t", session, leave);
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (!File.Exists(done) && DateTime.UtcNow < deadline) Thread.Sleep(100);
                Assert.True(File.Exists(done), $"chat did not leave on {leave}:\n{Capture(session)}");
                Thread.Sleep(100);
                Assert.Equal(leave == "C-d" ? "0" : "130", File.ReadAllText(done).Trim());
                Assert.DoesNotContain("Unhandled exception", Capture(session));
            }
            finally
            {
                Tmux("kill-session", "-t", session);
                File.Delete(done);
            }
        }
    }

    private static void WaitFor(string session, Func<string, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        string screen;
        do
        {
            screen = Capture(session);
            if (condition(screen)) return;
            Thread.Sleep(200);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"no {what} on the terminal:\n{screen}");
    }

    private static string Capture(string session) => Tmux("capture-pane", "-p", "-t", session);

    private static string Tmux(params string[] args)
    {
        var info = new ProcessStartInfo("tmux") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
