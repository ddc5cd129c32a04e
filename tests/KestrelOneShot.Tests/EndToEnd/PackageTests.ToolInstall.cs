using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// The tool installs of docs/native-aot.md run as written (in this class, so that no two packs of
/// the same project build at once): each block's lines in bash, with <c>--tool-path</c> for
/// <c>--global</c>, a folder of the test's for <c>artifacts/tool</c>, and <c>--help</c> for the run's
/// switches, since a run would wait for a client.
/// </summary>
public sealed partial class PackageTests
{
    [Fact]
    public async Task TheFrameworkDependentToolInstallsAndRunsAsTheDocsSay()
    {
        var (exitCode, output) = await RunDocBlockAsync(block => !block.Contains("ToolPackageRuntimeIdentifiers", StringComparison.Ordinal));

        Assert.True(exitCode == 0, output);
        // Installed and run, then run again through dnx: both print the usage.
        Assert.Equal(2, Regex.Count(output, "^Usage: KestrelOneShot", RegexOptions.Multiline));
    }

    [Fact]
    public async Task TheNativeAotToolInstallsAndRunsAsTheDocsSay()
    {
        var (exitCode, output) = await RunDocBlockAsync(block => block.Contains("ToolPackageRuntimeIdentifiers", StringComparison.Ordinal), runInstalled: true);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Usage: KestrelOneShot", output, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(_folder, "feed"), "KestrelOneShot.linux-x64.*.nupkg"));
        // The installed command is the native binary, not an assembly run by dotnet.
        Assert.Contains(
            Directory.GetFiles(Path.Combine(_folder, "tools"), "KestrelOneShot", SearchOption.AllDirectories),
            file => File.ReadAllBytes(file).AsSpan(0, 4).SequenceEqual("\u007FELF"u8));
    }

    /// <summary>Runs the docs' <c>sh</c> block that installs the tool and matches <paramref name="which"/>.</summary>
    private async Task<(int ExitCode, string Output)> RunDocBlockAsync(Func<string, bool> which, bool runInstalled = false)
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "native-aot.md"), TestContext.Current.CancellationToken);
        var block = ShellBlocks().Matches(doc).Select(m => m.Groups["code"].Value)
            .Single(code => code.Contains("dotnet tool install", StringComparison.Ordinal) && which(code));
        var feed = Path.Combine(_folder, "feed");
        var tools = Path.Combine(_folder, "tools");
        var lines = block.Split('\n')
            .Select(line => line.Split(" # ")[0].Trim())
            // dnx is on PATH only where the SDK put it; the docs give `dotnet dnx` beside it.
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("dnx ", StringComparison.Ordinal))
            .Select(line => line
                .Replace("--global", $"--tool-path '{tools}'", StringComparison.Ordinal)
                .Replace("artifacts/tool", $"'{feed}'", StringComparison.Ordinal)
                // dnx reads --help itself; past "--" it goes to the tool.
                .Replace("--yes --port 9999", "--yes -- --help", StringComparison.Ordinal)
                .Replace("--port 9999", "--help", StringComparison.Ordinal))
            .Select(line => line.StartsWith("kestrel-oneshot", StringComparison.Ordinal) ? $"'{tools}/kestrel-oneshot'{line["kestrel-oneshot".Length..]}" : line)
            .ToList();
        if (runInstalled)
        {
            lines.Add($"'{tools}/kestrel-oneshot' --help");
        }

        var script = Path.Combine(_folder, "install.sh");
        await File.WriteAllTextAsync(script, "set -euo pipefail\n" + string.Join('\n', lines) + "\n", TestContext.Current.CancellationToken);
        return await BoundedProcess.RunAsync("bash", Repository.Root, TimeSpan.FromMinutes(10), script);
    }

    [GeneratedRegex("```sh\\n(?<code>.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex ShellBlocks();
}
