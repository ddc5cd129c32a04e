using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>Start, stop and exit codes of the built app: every way a run can end.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task RestartsOnTheSamePortWhileTheLastRunsSocketIsInTimeWait()
    {
        var (first, endpoints) = await ServerProcess.StartReadyAsync();
        await using (first)
        {
            await SocketClient.ExchangeAsync(endpoints[0], "one\n"u8.ToArray());
            Assert.Equal(0, (await first.ExitAsync()).ExitCode);
        }

        var port = endpoints[0].Port;
        // The server closed first, so its end of the connection is the one in TIME_WAIT (the tutorial's errno 98).
        Assert.True(SocketTable.Has(port, SocketTable.TimeWait), $"expected a TIME_WAIT socket on port {port}");

        await using var second = ServerProcess.Start(["--port", port.ToString(CultureInfo.InvariantCulture)]);
        var again = await second.ReadyAsync();
        var answer = await SocketClient.ExchangeAsync(again[0], "two\n"u8.ToArray());
        var (exitCode, stdout) = await second.ExitAsync();

        Assert.Equal(port, again[0].Port);
        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: two\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task APortInUseOnEitherLoopbackExitsThreeWithOneLine(string taken)
    {
        using var occupier = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var address = IPAddress.Parse(taken);
        occupier.Bind(new IPEndPoint(address, 0));
        occupier.Listen();
        var port = ((IPEndPoint)occupier.LocalEndPoint!).Port;

        await using var server = ServerProcess.Start(["--port", port.ToString(CultureInfo.InvariantCulture)]);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(3, exitCode);
        Assert.Empty(stdout);
        var line = Assert.Single(server.StderrLines);
        Assert.Equal($"error: cannot listen on {new IPEndPoint(address, port)}: address already in use", line);
    }

    [Fact]
    public async Task ThePortInUseIsInTheReportToo()
    {
        using var occupier = new Socket(SocketType.Stream, ProtocolType.Tcp);
        occupier.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        occupier.Listen();
        var port = ((IPEndPoint)occupier.LocalEndPoint!).Port;
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");

        await using var server = ServerProcess.Start(["--port", port.ToString(CultureInfo.InvariantCulture), "--report", report]);
        var (exitCode, _) = await server.ExitAsync();

        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
        File.Delete(report);
        Assert.Equal(3, exitCode);
        Assert.Equal("cannot-listen", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal($"cannot listen on 127.0.0.1:{port}: address already in use", json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AnAddressThisMachineDoesNotHaveExitsThree()
    {
        // 192.0.2.1 is TEST-NET-1: never assigned to a machine, and binding it sends nothing.
        await using var server = ServerProcess.Start(["--address", "192.0.2.1", "--port", "0"]);
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(3, exitCode);
        Assert.Equal("error: cannot listen on 192.0.2.1:0: address not available on this machine", Assert.Single(server.StderrLines));
    }

    [Fact]
    public async Task ABadValueFromTheEnvironmentExitsTwo()
    {
        await using var server = ServerProcess.Start([], new Dictionary<string, string> { ["OneShot__MaxMessageBytes"] = "65537" });
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Equal(
            "error: invalid OneShot:MaxMessageBytes (--max-bytes) '65537': expected a whole number from 1 to 65536",
            Assert.Single(server.StderrLines));
    }

    [Fact]
    public async Task AnUnexpectedFailureExitsOneWithOneLine()
    {
        // The host refuses a content root that does not exist, before anything of ours runs.
        await using var server = ServerProcess.Start(["--contentRoot", "/nonexistent/oneshot"]);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        Assert.Equal("error: unexpected failure: DirectoryNotFoundException: /nonexistent/oneshot/", Assert.Single(server.StderrLines));
    }

    [Fact]
    public async Task HelpPrintsUsageAndExitsZero()
    {
        await using var server = ServerProcess.Start(["--help"]);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(0, exitCode);
        Assert.StartsWith("Usage: KestrelOneShot", stdout, StringComparison.Ordinal);
        Assert.Contains("--wait-timeout", stdout, StringComparison.Ordinal);
        // The shell's prompt starts on a line of its own.
        Assert.EndsWith(".\n", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130)]
    [InlineData(PosixSignal.SIGTERM, 143)]
    public async Task ASignalWhileWaitingStopsGracefullyWithItsExitCode(PosixSignal signal, int expected)
    {
        var (server, _) = await ServerProcess.StartReadyAsync();
        await using var _ = server;

        server.Signal(signal);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(expected, exitCode);
        Assert.Empty(stdout);
    }
}
