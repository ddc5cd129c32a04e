using System.Net;
using System.Text.Json;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// Staging a reverse-proxy route for real: HAProxy and nginx in front of the built app. The client's
/// own socket is the ground truth for who the original client was.
/// </summary>
public sealed class RealProxyTests
{
    private const string Debug = "--Logging:LogLevel:KestrelOneShot=Debug";

    [Theory]
    [InlineData("send-proxy", 1)]
    [InlineData("send-proxy-v2", 2)]
    [InlineData("send-proxy check-send-proxy", 1)]
    public async Task HaproxyHealthChecksDoNotTakeTheShotAndTheClientIsNamed(string sendProxy, int version)
    {
        var report = ReportPath();
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--report", report, Debug);
        await using var _ = server;
        await using var haproxy = await RealProxy.StartHaproxyAsync(endpoints[0], $"{sendProxy} check inter 50ms");

        // Several health checks reach the app before the client does.
        await server.WaitForStderrAsync(lines => lines.Count(l => l.StartsWith("dbug: Health check ", StringComparison.Ordinal)) >= 3);
        var (answer, client) = await ExchangeThroughAsync(haproxy.Frontend);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: staged\n", stdout);
        Assert.Equal(0, exitCode);
        var served = AssertReport(report, client, expectedProxyVersion: version, out var probes);
        Assert.True(probes >= 3, $"{probes} probes reported");
        Assert.Contains(server.StderrLines, l => l.Contains($"from {client} via proxy {served.GetProperty("proxy").GetProperty("hop").GetString()}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NginxStreamWithProxyProtocolNamesTheClient()
    {
        var report = ReportPath();
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required", "--report", report);
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxAsync(endpoints[0], proxyProtocol: true);

        var (answer, client) = await ExchangeThroughAsync(nginx.Frontend);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: staged\n", stdout);
        Assert.Equal(0, exitCode);
        AssertReport(report, client, expectedProxyVersion: 1, out _);
    }

    [Fact]
    public async Task NginxStreamPassThroughServesButCanOnlyNameTheProxy()
    {
        // Without a PROXY header the backend sees nginx's own connection: the report says so.
        var report = ReportPath();
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--report", report);
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxAsync(endpoints[0], proxyProtocol: false);

        var (answer, client) = await ExchangeThroughAsync(nginx.Frontend);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: staged\n", stdout);
        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(File.ReadAllBytes(report));
        var served = Assert.Single(json.RootElement.GetProperty("served").EnumerateArray().ToArray());
        Assert.False(served.TryGetProperty("proxy", out _));
        Assert.NotEqual(client.ToString(), served.GetProperty("remoteEndPoint").GetString());
        File.Delete(report);
    }

    [Fact]
    public async Task NginxSendingAProxyHeaderToAListenerWithoutItIsServedWithAWarningNamingTheSwitch()
    {
        // The switch forgotten: the header is served as (the start of) the message, and the run says so.
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var running = server;
        await using var nginx = await RealProxy.StartNginxAsync(endpoints[0], proxyProtocol: true);

        var (answer, client) = await ExchangeThroughAsync(nginx.Frontend);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal(0, exitCode);
        Assert.StartsWith($"The message was: PROXY TCP4 {((IPEndPoint)client).Address} ", stdout, StringComparison.Ordinal);
        Assert.Contains(server.StderrLines, l => l.StartsWith("warn: Connection ", StringComparison.Ordinal)
            && l.EndsWith(": the message served begins with a PROXY v1 header: the proxy sends a PROXY header and nothing reads it: run with --proxy-protocol required", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("haproxy", "haproxy", "-c -f {0}/samples/haproxy.cfg")]
    [InlineData("nginx", "nginx libnginx-mod-stream", "-t -p {1} -c {0}/samples/nginx-stream.conf -e stderr")]
    [InlineData("haproxy", "haproxy", "-c -f {0}/samples/haproxy-tls.cfg")]
    [InlineData("nginx", "nginx libnginx-mod-stream", "-t -p {1} -c {0}/samples/nginx-stream-tls.conf -e stderr")]
    public async Task TheSampleConfigurationsAreValid(string program, string packages, string arguments)
    {
        var executable = RealProxy.Require(program, packages);
        var scratch = Directory.CreateTempSubdirectory("oneshot-sample-");
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo(executable, string.Format(System.Globalization.CultureInfo.InvariantCulture, arguments, Repository.Root, scratch.FullName))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var check = System.Diagnostics.Process.Start(start)!;
            var output = check.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await check.WaitForExitAsync(TestContext.Current.CancellationToken).Within();

            Assert.True(check.ExitCode == 0, $"{program} rejects its sample: {await output}");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    private static string ReportPath() => Path.Combine(Path.GetTempPath(), $"oneshot-proxy-report-{Guid.NewGuid():N}.json");

    private static async Task<(ClientAnswer Answer, EndPoint Client)> ExchangeThroughAsync(IPEndPoint frontend)
    {
        using var client = await SocketClient.ConnectAsync(frontend);
        await client.SendAsync("staged\n"u8.ToArray());
        return (await client.ReadToEndAsync(), client.Socket.LocalEndPoint!);
    }

    /// <summary>The report's one served message: its original client is the client's own socket.</summary>
    private static JsonElement AssertReport(string path, EndPoint client, int expectedProxyVersion, out int probes)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        File.Delete(path);
        var root = json.RootElement.Clone();
        Assert.Equal("served", root.GetProperty("outcome").GetString());
        probes = root.GetProperty("probes").GetInt32();
        var served = Assert.Single(root.GetProperty("served").EnumerateArray().ToArray());
        Assert.Equal("staged", served.GetProperty("text").GetString());
        Assert.Equal(client.ToString(), served.GetProperty("remoteEndPoint").GetString());
        var proxy = served.GetProperty("proxy");
        Assert.Equal(expectedProxyVersion, proxy.GetProperty("version").GetInt32());
        Assert.Equal("proxy", proxy.GetProperty("command").GetString());
        Assert.Equal(client.ToString(), proxy.GetProperty("originalClient").GetString());
        Assert.NotEqual(client.ToString(), proxy.GetProperty("hop").GetString());
        return served;
    }
}
