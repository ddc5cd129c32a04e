using KestrelOneShot.Configuration;

namespace KestrelOneShot.Tests.Configuration;

/// <summary>The configuration table (docs/configuration.md) says what the option definitions say.</summary>
public sealed class ConfigurationTableTests
{
    private static readonly string[] TableRows = [.. File.ReadLines(Path.Combine(Repository.Root, "docs", "configuration.md")).Where(l => l.StartsWith("| `--", StringComparison.Ordinal))];

    public static TheoryData<string> Switches => [.. OneShotOption.All.Select(o => o.Switch)];

    [Theory]
    [MemberData(nameof(Switches))]
    public void EachOptionHasARowWithItsKeyAndDefault(string @switch)
    {
        var option = OneShotOption.All.Single(o => o.Switch == @switch);
        var defaultCell = option.DefaultText is { } text ? $"`{text.Trim('"')}`" : "none";

        Assert.Contains(TableRows, row => row.StartsWith($"| `{option.Switch}` | `{option.Path}` | {defaultCell} |", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryRowIsAnOption() =>
        Assert.All(TableRows, row => Assert.Contains(OneShotOption.All, o => row.StartsWith($"| `{o.Switch}` |", StringComparison.Ordinal)));
}
