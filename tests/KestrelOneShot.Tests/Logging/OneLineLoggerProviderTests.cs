using KestrelOneShot.Logging;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace KestrelOneShot.Tests.Logging;

public sealed partial class OneLineLoggerProviderTests
{
    [Fact]
    public void WritesEachEntryAsOneLineAtOnce()
    {
        var lines = new List<string>();
        using var provider = new OneLineLoggerProvider(lines.Add);

        LogSaidNothing(provider.CreateLogger("Category"), "127.0.0.1:5000");

        Assert.Equal(["warn: client 127.0.0.1:5000 said nothing"], lines);
    }

    [Fact]
    public void HonoursTheConsoleProvidersFilterKeys()
    {
        var lines = new List<string>();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:Console:LogLevel:Default"] = "Warning" })
            .Build();
        using var services = new ServiceCollection()
            .AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddProvider(new OneLineLoggerProvider(lines.Add)))
            .BuildServiceProvider();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Category");

        LogInformation(logger);
        LogWarning(logger);

        Assert.Equal(["warn: a warning"], lines);
    }

    [Fact]
    public void AFloodOfOneKindIsOneLineAndThenItsCountWhenTheIntervalEnds()
    {
        var lines = new List<string>();
        var time = new FakeTimeProvider();
        using var provider = new OneLineLoggerProvider(lines.Add, time);
        var logger = provider.CreateLogger("Category");

        for (var i = 0; i < 5; i++)
        {
            LogWarning(logger);
        }

        Assert.Equal(["warn: a warning"], lines);
        time.Advance(RepeatSummary.Interval);
        Assert.Equal(["warn: a warning", "warn: Warned: 4 more like the above in the last 1s, not shown"], lines);
    }

    [Fact]
    public void AnEventNeverSummarisedIsWrittenEveryTime()
    {
        var lines = new List<string>();
        var time = new FakeTimeProvider();
        using var provider = new OneLineLoggerProvider(lines.Add, time, neverSummarised: [3]);
        var logger = provider.CreateLogger("Category");

        for (var i = 0; i < 5; i++)
        {
            LogWarning(logger);
        }

        time.Advance(RepeatSummary.Interval);
        Assert.Equal(Enumerable.Repeat("warn: a warning", 5), lines);
    }

    [LoggerMessage(1, LogLevel.Warning, "client {Client} said\nnothing")]
    private static partial void LogSaidNothing(ILogger logger, string client);

    [LoggerMessage(2, LogLevel.Information, "an information")]
    private static partial void LogInformation(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "a warning", EventName = "Warned")]
    private static partial void LogWarning(ILogger logger);
}
