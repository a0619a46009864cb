using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace TuneSharp.Tests.Packaging;

/// <summary>
/// A user's own console app, in a folder outside the repository, uses TuneSharp the two ways the README gives: a
/// ProjectReference to src/TuneSharp/TuneSharp.csproj (with the documented Import of build/TuneSharp.targets) and a
/// PackageReference to the package <c>dotnet pack</c> makes. Each builds with the SDK as a user would and runs
/// libtorch, which on a libstdc++ older than GCC 13's (Debian 12) works only if TuneSharp's fix patched the app's own
/// output folder.
/// </summary>
public class ConsumerAppTests(ITestOutputHelper log)
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private const string ShimName = "libtunesharp_iosinit.so";
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    // TuneSharp loads libtorch first (TorchRuntime names the fix if it cannot), then computes on a tensor.
    private const string Program = """
        using TorchSharp;
        using TuneSharp;
        try { TorchRuntime.EnsureLoaded(); }
        catch (TuneSharpException e) { Console.Error.WriteLine("TuneSharpException: " + e.Message); return 3; }
        using var x = torch.tensor(new float[] { -1, 2, 3 });
        using var y = TuneSharp.Models.Activations.Apply("relu", x);
        Console.WriteLine($"relu sum = {y.sum().item<float>()}");
        return 0;
        """;

    [SkippableFact]
    public void ProjectReferenceAppBuildsAndRunsLibtorch()
    {
        var repo = RequireRepository();
        using var temp = new TempDir();
        var app = Path.Combine(temp.Path, "app");
        WriteApp(app,
            $"""<ProjectReference Include="{Path.Combine(repo, "src", "TuneSharp", "TuneSharp.csproj")}" />""",
            $"""<Import Project="{Path.Combine(repo, "build", "TuneSharp.targets")}" />""");

        // Same configuration as this test run, so the library's build is the one already up to date.
        Dotnet(app, null, "build", "-c", Configuration);
        AssertRunsLibtorch(app);

        if (!SystemLibStdCxxNeedsFix()) return;
        // Unpatched (what an app gets whose project lacks the Import), TuneSharp says what to add instead of
        // TorchSharp's generic "doesn't contain a reference to libtorch-cpu".
        Dotnet(app, null, "build", "-c", Configuration, "--no-restore", "-p:TuneSharpFixNative=false");
        var (code, output) = Timed("run unpatched app", () => Run(DotnetHost, [AppDll(app)], app, null));
        Assert.True(code == 3, $"expected the TuneSharpException exit code 3, got {code}:\n{output}");
        Assert.Contains("TuneSharpException: TorchSharp's native library (libLibTorchSharp.so) cannot be loaded", output);
        Assert.Contains("GLIBCXX_3.4.32", output);
        Assert.Contains("build/TuneSharp.targets", output);
    }

    [SkippableFact]
    public void PackageReferenceAppBuildsAndRunsLibtorch()
    {
        var repo = RequireRepository();
        using var temp = new TempDir();
        var feed = Path.Combine(temp.Path, "feed");
        var packages = Path.Combine(temp.Path, "packages");
        // A version no earlier run can have left in any package cache, so the app gets this build's package.
        var version = $"0.1.0-consumertest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var project = Path.Combine(repo, "src", "TuneSharp", "TuneSharp.csproj");
        var built = File.Exists(Path.Combine(repo, "src", "TuneSharp", "bin", Configuration, "net10.0", "TuneSharp.dll"));
        // --no-build packs the library this test run was built with (and leaves the repository's obj/ alone);
        // without that build, pack builds it. The nuspec goes to the temp folder, not the repository's obj/.
        Dotnet(repo, null, ["pack", project, "-c", Configuration, built ? "--no-build" : "--no-restore", "-o", feed,
            $"-p:PackageVersion={version}", $"-p:NuspecOutputPath={Path.Combine(temp.Path, "nuspec")}{Path.DirectorySeparatorChar}"]);

        var app = Path.Combine(temp.Path, "app");
        WriteApp(app, $"""<PackageReference Include="TuneSharp" Version="[{version}]" />""", "");
        // Only the fresh package comes from the feed; its dependencies (TorchSharp-cpu's 1.2 GB of libtorch among
        // them) are read in place from the machine's package cache, which restoring this repository filled. The
        // app's own packages folder is the temp one, so nothing of this test stays behind.
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="tunesharp-test-feed" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine-cache" value="{MachinePackageCache(repo)}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        Dotnet(app, new Dictionary<string, string?> { ["NUGET_PACKAGES"] = packages }, "build", "-c", Configuration);
        Assert.True(File.Exists(Path.Combine(packages, "tunesharp", version, "buildTransitive", "TuneSharp.targets")),
            "the app did not restore the package this test packed");
        AssertRunsLibtorch(app);
    }

    private static string RequireRepository()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "TuneSharp's native fix and TorchSharp-cpu's libtorch here are for Linux x64; test skipped.");
        var repo = SharedData.RepositoryRoot;
        Skip.If(repo is null || !File.Exists(Path.Combine(repo, "src", "TuneSharp", "TuneSharp.csproj")),
            $"the repository this test was built from ({repo ?? "unknown"}) is not on this machine; test skipped.");
        return repo!;
    }

    private static void WriteApp(string dir, string reference, string import)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
              </PropertyGroup>
              <ItemGroup>
                {reference}
              </ItemGroup>
              {import}
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), Program);
    }

    private void AssertRunsLibtorch(string app)
    {
        var (code, output) = Timed("run app", () => Run(DotnetHost, [AppDll(app)], app, null));
        Assert.True(code == 0, $"the app exited {code}:\n{output}");
        Assert.Contains("relu sum = 5", output);
        if (SystemLibStdCxxNeedsFix())
        {
            var native = Path.Combine(app, "bin", Configuration, "net10.0", "runtimes", "linux-x64", "native");
            Assert.True(File.Exists(Path.Combine(native, ShimName)), $"the fix did not patch the app's output ({native} has no {ShimName})");
        }
    }

    private static string AppDll(string app) => Path.Combine(app, "bin", Configuration, "net10.0", "app.dll");

    /// <summary>True where the system libstdc++ lacks GLIBCXX_3.4.32, as fix-libtorchsharp.sh decides.</summary>
    private static bool SystemLibStdCxxNeedsFix()
    {
        var path = new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .FirstOrDefault(File.Exists);
        return path is not null && File.ReadAllBytes(path).AsSpan().IndexOf("GLIBCXX_3.4.32"u8) < 0;
    }

    /// <summary>The global packages folder this repository restores into (NUGET_PACKAGES, NuGet.Config or the default).</summary>
    private string MachinePackageCache(string repo)
    {
        var output = Dotnet(repo, null, "nuget", "locals", "global-packages", "--list");
        const string prefix = "global-packages:";
        var line = output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..].Trim();
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private string Dotnet(string workDir, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var (code, output) = Timed("dotnet " + args[0], () => Run(DotnetHost, args, workDir, environment));
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} exited {code}:\n{output}");
        return output;
    }

    private T Timed<T>(string what, Func<T> step)
    {
        var clock = Stopwatch.StartNew();
        var result = step();
        log.WriteLine($"{what}: {clock.Elapsed.TotalSeconds:F1} s");
        return result;
    }

    /// <summary>Runs a program to its end (killing it after <see cref="StepTimeout"/>); returns its exit code and output.</summary>
    private static (int Code, string Output) Run(string program, IEnumerable<string> args, string workDir, IReadOnlyDictionary<string, string?>? environment)
    {
        var info = new ProcessStartInfo(program)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workDir,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        // `dotnet test` runs MSBuild in its own process and leaves these set for it; a fresh `dotnet build` finds its own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
            info.Environment.Remove(name);
        // No MSBuild worker nodes or build server may outlive the test.
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(StepTimeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output) return (-1, $"timed out after {StepTimeout}:\n{output}");
        }
        process.WaitForExit(); // drains the redirected output
        lock (output) return (process.ExitCode, output.ToString());
    }
}
