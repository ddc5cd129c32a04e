using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.Hosting;

/// <summary>docs/architecture.md: feature folders use only the folders before them, and only Hosting composes them all.</summary>
public sealed partial class FolderDependencyTests
{
    /// <summary>In the order of docs/architecture.md: each may use only those before it.</summary>
    private static readonly string[] Layers =
    [
        "Connections", "Output", "NativeAot", "Logging", "Transports", "Diagnosis", "ProxyProtocol", "Configuration", "Tls",
        "Expectations", "Run", "ConnectionHandling", "Http", "Reporting", "Hosting",
    ];

    public static TheoryData<string> Folders => [.. Layers];

    [Theory]
    [MemberData(nameof(Folders))]
    public void AFolderUsesOnlyTheFoldersBeforeIt(string folder)
    {
        var allowed = Layers.TakeWhile(layer => layer != folder).ToHashSet();
        var wrongWay = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src", "KestrelOneShot", folder), "*.cs")
            .SelectMany(file => File.ReadLines(file)
                .Where(line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal) && !line.StartsWith("namespace ", StringComparison.Ordinal))
                .SelectMany(line => Reference().Matches(line))
                .Select(match => (File: Path.GetFileName(file), Folder: match.Groups[1].Value)))
            .Where(u => u.Folder != folder && !allowed.Contains(u.Folder))
            .Select(u => $"{u.File} uses {u.Folder}")
            .ToArray();

        Assert.True(wrongWay.Length == 0, string.Join("; ", wrongWay));
    }

    [Fact]
    public void EveryFolderHasItsPlace() =>
        Assert.Equal(
            Directory.EnumerateDirectories(Path.Combine(Repository.Root, "src", "KestrelOneShot")).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj" or "Properties")).Order(),
            Layers.Order());

    // A using directive or a qualified name anywhere in the code (KestrelOneShot.Run.OneShotRun).
    [GeneratedRegex(@"\bKestrelOneShot\.(\w+)")]
    private static partial Regex Reference();

    [Fact]
    public void AQualifiedNameIsSeenAsAUse() =>
        Assert.Equal(["Run"], Reference().Matches("var run = (KestrelOneShot.Run.OneShotRun)x;").Select(m => m.Groups[1].Value));
}
