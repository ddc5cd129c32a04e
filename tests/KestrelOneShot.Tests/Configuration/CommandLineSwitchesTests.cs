using KestrelOneShot.Configuration;

namespace KestrelOneShot.Tests.Configuration;

public sealed class CommandLineSwitchesTests
{
    [Theory]
    [InlineData()]
    [InlineData("--port", "1234")]
    [InlineData("--port=1234", "--max-bytes", "5")]
    [InlineData("--response", "--not-a-switch")]
    [InlineData("--OneShot:Port=1", "/OneShot:Address", "any", "OneShot:Response=x")]
    [InlineData("--environment", "Development")]
    [InlineData("--PORT", "1")]
    public void AcceptsSwitchesKeysAndValues(params string[] args) => Assert.Equal((false, null), CommandLineSwitches.Inspect(args));

    [Theory]
    [InlineData("--prot", "--port")]
    [InlineData("--max-byte", "--max-bytes")]
    [InlineData("--adress", "--address")]
    [InlineData("--wait-timout", "--wait-timeout")]
    public void SuggestsTheNearestSwitchForATypo(string typo, string meant)
    {
        var (_, error) = CommandLineSwitches.Inspect([typo, "1"]);

        Assert.Equal($"unknown option '{typo}' (did you mean '{meant}'?); see --help", error);
    }

    [Theory]
    [InlineData("unknown option '--colour'; see --help", "--colour", "red")]
    [InlineData("unexpected argument 'stray'; see --help", "stray")]
    [InlineData("unknown option '-p' (did you mean '--port'?); see --help", "-p")]
    [InlineData("option '--port' needs a value; see --help", "--port")]
    public void ExplainsWhatIsWrongInOneLine(string expected, params string[] args) =>
        Assert.Equal((false, expected), CommandLineSwitches.Inspect(args));

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--prot", "1", "--help")]
    public void HelpWinsOverEverythingElse(params string[] args) => Assert.True(CommandLineSwitches.Inspect(args).Help);
}
