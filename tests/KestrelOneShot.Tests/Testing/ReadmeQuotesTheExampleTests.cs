namespace KestrelOneShot.Tests.Testing;

public sealed class ReadmeQuotesTheExampleTests
{
    private const string Begin = "// README example begins\n";
    private const string End = "// README example ends";

    [Theory]
    [InlineData("README.md", "ReadmeExampleTests.cs")]
    [InlineData("src/KestrelOneShot.Testing/README.md", "ReadmeExampleTests.cs")]
    [InlineData("src/KestrelOneShot.InMemory/README.md", "ReadmeHttpAppExampleTests.cs")]
    [InlineData("src/KestrelOneShot.InMemory/README.md", "ReadmeWebApplicationExampleTests.cs")]
    [InlineData("src/KestrelOneShot.InMemory/README.md", "ReadmeKestrelAppExampleTests.cs")]
    [InlineData("src/KestrelOneShot.InMemory/README.md", "ReadmeSystemExampleTests.cs")]
    public async Task TheReadmeQuotesTheCompiledExampleUnchanged(string readmePath, string file)
    {
        var root = Repository.Root;
        var example = await File.ReadAllTextAsync(Path.Combine(root, "tests/KestrelOneShot.Tests/Testing", file), TestContext.Current.CancellationToken);
        var readme = await File.ReadAllTextAsync(Path.Combine(root, readmePath), TestContext.Current.CancellationToken);

        var start = example.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        var quoted = example[start..example.IndexOf(End, StringComparison.Ordinal)].TrimEnd('\n');

        Assert.Contains($"```csharp\n{quoted}\n```", readme, StringComparison.Ordinal);
    }
}
