using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>The served exchange, over real sockets, against the built app.</summary>
public sealed class ExchangeTests
{
    private const string Answer = "Good talking to you\n";

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task AnswersTheTutorialExchangeOnEachLoopback(string address)
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;
        var endpoint = Assert.Single(endpoints, e => e.Address.Equals(IPAddress.Parse(address)));

        // The client keeps its side open, as telnet does: the server must close right after answering.
        var answer = await SocketClient.ExchangeAsync(endpoint, "Who is there?\r\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.False(answer.Reset);
        Assert.Equal("The message was: Who is there?\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task ReadyLineNamesBothLoopbacksOnOnePort()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;

        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], endpoints.Select(e => e.Address));
        Assert.NotEqual(0, endpoints[0].Port);
        Assert.Equal(endpoints[0].Port, endpoints[1].Port);
    }

    // Kestrel reads up to 1 MiB ahead into its pipe; 8 MiB leaves input unread in the kernel, where
    // closing without the drain sends RST and the client loses the answer.
    [Theory]
    [InlineData(1, true)]
    [InlineData(1, false)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    public async Task OversizeInputStillGetsTheWholeAnswer(int mebibytes, bool endOutput)
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;
        var message = Enumerable.Repeat((byte)'x', mebibytes * 1024 * 1024).ToArray();

        var answer = await SocketClient.ExchangeAsync(endpoints[0], message, endOutput);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.False(answer.Reset);
        Assert.Equal($"The message was: {new string('x', 100)}\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task EscapesControlCharactersAndKeepsUnicode()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;

        await SocketClient.ExchangeAsync(endpoints[0], Encoding.UTF8.GetBytes("héllo ✓ \u001b[2J\0\r\n"));
        var (_, stdout) = await server.ExitAsync();

        Assert.Equal("The message was: héllo ✓ \\x1B[2J\\0\n", stdout);
    }

    [Fact]
    public async Task SwitchesSetTheCapAndTheResponse()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--max-bytes", "5", "--response", "bye ✓");
        await using var _ = server;

        var answer = await SocketClient.ExchangeAsync(endpoints[0], "0123456789"u8.ToArray());
        var (_, stdout) = await server.ExitAsync();

        Assert.Equal("bye ✓", answer.Text);
        Assert.Equal("The message was: 01234\n", stdout);
    }

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
        Assert.Contains(server.StderrLines, l => l.StartsWith("warn: Listening on every interface", StringComparison.Ordinal));
        var answer = await SocketClient.ExchangeAsync(new IPEndPoint(IPAddress.Loopback, endpoint.Port), "any"u8.ToArray());
        Assert.Equal(Answer, answer.Text);
        Assert.Equal(0, (await server.ExitAsync()).ExitCode);
    }
}
