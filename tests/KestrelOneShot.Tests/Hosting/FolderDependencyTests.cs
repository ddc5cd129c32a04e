using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.Hosting;

/// <summary>docs/architecture.md: feature folders use only the folders before them, and only Hosting composes them all.</summary>
public sealed partial class FolderDependencyTests
{
    /// <summary>In the order of docs/architecture.md: each may use only those before it.</summary>
    private static readonly string[] Layers =
    [
        "Connections", "Output", "NativeAot", "Logging", "Transports", "Diagnosis", "ProxyProtocol", "Configuration", "Tls",
        "Expectations", "Run", "ConnectionHandling", "Reporting", "Hosting",
    ];

    public static TheoryData<string> Folders => [.. Layers];

    [Theory]
    [MemberData(nameof(Folders))]
    public void AFolderUsesOnlyTheFoldersBeforeIt(string folder)
    {
        var allowed = Layers.TakeWhile(layer => layer != folder).ToHashSet();
        var wrongWay = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src", "KestrelOneShot", folder), "*.cs")
            .SelectMany(file => File.ReadLines(file).Select(line => (File: Path.GetFileName(file), Match: Using().Match(line))))
            .Where(u => u.Match.Success && u.Match.Groups[1].Value != folder && !allowed.Contains(u.Match.Groups[1].Value))
            .Select(u => $"{u.File} uses {u.Match.Groups[1].Value}")
            .ToArray();

        Assert.True(wrongWay.Length == 0, string.Join("; ", wrongWay));
    }

    [Fact]
    public void EveryFolderHasItsPlace() =>
        Assert.Equal(
            Directory.EnumerateDirectories(Path.Combine(Repository.Root, "src", "KestrelOneShot")).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj" or "Properties")).Order(),
            Layers.Order());

    [GeneratedRegex(@"^using KestrelOneShot\.(\w+)")]
    private static partial Regex Using();
}
