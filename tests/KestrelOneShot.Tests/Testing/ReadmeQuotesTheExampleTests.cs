namespace KestrelOneShot.Tests.Testing;

public sealed class ReadmeQuotesTheExampleTests
{
    private const string Begin = "// README example begins\n";
    private const string End = "// README example ends";

    [Theory]
    [InlineData("ReadmeExampleTests.cs")]
    [InlineData("ReadmeKestrelAppExampleTests.cs")]
    public async Task TheReadmeQuotesTheCompiledExampleUnchanged(string file)
    {
        var root = Repository.Root;
        var example = await File.ReadAllTextAsync(Path.Combine(root, "tests/KestrelOneShot.Tests/Testing", file), TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(root, "README.md"), TestContext.Current.CancellationToken);

        var start = example.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var quoted = example[start..example.IndexOf(End, StringComparison.Ordinal)].TrimEnd('\n');

        Assert.Contains($"```csharp\n{quoted}\n```", readme, StringComparison.Ordinal);
    }
}
