using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// What only the process world has: configuration files and environment variables, and the
/// listening addresses of real interfaces. The shared behaviours are in Scenarios/.
/// </summary>
public sealed class ConfigurationTests
{
    private const string Answer = "Good talking to you\n";

    [Fact]
    public async Task ReadsConfigurationFromEnvironmentAndAppsettings()
    {
        var directory = Directory.CreateTempSubdirectory("oneshot-");
        try
        {
            await File.WriteAllTextAsync(
                Path.Combine(directory.FullName, "appsettings.json"),
                """{ "OneShot": { "Response": "from appsettings\n", "MaxMessageBytes": 3 } }""",
                TestContext.Current.CancellationToken);
            await using var server = ServerProcess.Start(
                ["--port", "0"],
                new Dictionary<string, string> { ["OneShot__MaxMessageBytes"] = "4" },
                directory.FullName);
            var endpoints = await server.ReadyAsync();

            var answer = await SocketClient.ExchangeAsync(endpoints[0], "abcdefgh"u8.ToArray());
            var (_, stdout) = await server.ExitAsync();

            Assert.Equal("from appsettings\n", answer.Text);
            Assert.Equal("The message was: abcd\n", stdout); // The environment overrides the file.
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("ASPNETCORE_ENVIRONMENT")]
    [InlineData("DOTNET_ENVIRONMENT")]
    [InlineData("--environment")]
    public async Task ReadsTheEnvironmentsAppsettingsAsAWebHostWould(string setting)
    {
        var fromCommandLine = setting.StartsWith("--", StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("oneshot-");
        try
        {
            await File.WriteAllTextAsync(
                Path.Combine(directory.FullName, "appsettings.Staging.json"),
                """{ "OneShot": { "Response": "from staging\n" } }""",
                TestContext.Current.CancellationToken);
            await using var server = ServerProcess.Start(
                fromCommandLine ? ["--port", "0", setting, "Staging"] : ["--port", "0"],
                fromCommandLine ? null : new Dictionary<string, string> { [setting] = "Staging" },
                directory.FullName);
            var endpoints = await server.ReadyAsync();

            var answer = await SocketClient.ExchangeAsync(endpoints[0], "hi"u8.ToArray());
            await server.ExitAsync();

            Assert.Equal("from staging\n", answer.Text);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ListensOnAnIPv6LiteralAlone()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--address", "::1");
        await using var _ = server;

        var endpoint = Assert.Single(endpoints);
        Assert.Equal(IPAddress.IPv6Loopback, endpoint.Address);
        Assert.Equal(Answer, (await SocketClient.ExchangeAsync(endpoint, "v6"u8.ToArray())).Text);
        Assert.Equal(0, (await server.ExitAsync()).ExitCode);
    }

    [Fact]
    public async Task AnyAddressWarnsAndServesEveryInterface()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--address", "any");
        await using var _ = server;

        var endpoint = Assert.Single(endpoints);
        Assert.True(endpoint.Address.Equals(IPAddress.IPv6Any) || endpoint.Address.Equals(IPAddress.Any));
        Assert.Contains("warn: Listening on every interface: any host that can reach this machine can take the shot (--address narrows it)", server.StderrLines);
        var answer = await SocketClient.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, endpoint.Port), "any"u8.ToArray());
        Assert.Equal(Answer, answer.Text);
        Assert.Equal(0, (await server.ExitAsync()).ExitCode);
    }
}
