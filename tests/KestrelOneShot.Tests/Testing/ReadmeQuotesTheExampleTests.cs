namespace KestrelOneShot.Tests.Testing;

public sealed class ReadmeQuotesTheExampleTests
{
    private const string Begin = "// README example begins\n";
    private const string End = "// README example ends";

    [Fact]
    public async Task TheReadmeQuotesTheCompiledExampleUnchanged()
    {
        var root = Repository.Root;
        var example = await File.ReadAllTextAsync(Path.Combine(root, "tests/KestrelOneShot.Tests/Testing/ReadmeExampleTests.cs"), TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"), TestContext.Current.CancellationToken);

        var start = example.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var quoted = example[start..example.IndexOf(End, StringComparison.Ordinal)].TrimEnd('\n');

        Assert.Contains($"```csharp\n{quoted}\n```", readme, StringComparison.Ordinal);
    }
}
