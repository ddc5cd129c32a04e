using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>
/// What happens when a resource runs out around the built app: stdout's or stderr's reader stops
/// or goes away, or the process runs out of file descriptors. It keeps serving, and its last word
/// is one line.
/// </summary>
public sealed class ExhaustionTests
{
    private static readonly byte[] ValidV1Header = "PROXY TCP4 203.0.113.7 127.0.0.1 40123 9999\r\n"u8.ToArray();

    [Fact]
    public async Task AClosedStdoutExitsOneWithOneLineAndTheClientStillGetsItsAnswer()
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        await using var server = ServerProcess.Start(["--port", "0", "--report", report], stdoutPaused: true);
        var endpoints = await server.ReadyAsync();
        server.StdoutReader.Close();

        var answer = await SocketClient.ExchangeAsync(endpoints[0], "lost line\n"u8.ToArray());
        var (exitCode, _) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal(1, exitCode);
        Assert.Equal("error: cannot write the message to stdout: Broken pipe", server.StderrLines[^1]);
        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
        File.Delete(report);
        Assert.Equal("lost line", json.RootElement.GetProperty("served")[0].GetProperty("text").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task AStalledStdoutHoldsUpNoAnswerAndLosesNoLine()
    {
        // Each line is over 8 KiB: a handful fill stdout's pipe, and the rest wait in the app's queue.
        const int Clients = 20;
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--count", $"{Clients}", "--max-bytes", "8192");
        await using var _ = server;
        server.StdoutReader.Pause();

        for (var i = 0; i < Clients; i++)
        {
            var message = Encoding.ASCII.GetBytes($"{i:D2}{new string('x', 8190)}");
            var answer = await SocketClient.ExchangeAsync(endpoints[0], message, endOutput: true);
            Assert.Equal("Good talking to you\n", answer.Text);
        }

        server.StdoutReader.Resume();
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(0, exitCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Clients, lines.Length);
        Assert.Equal(Enumerable.Range(0, Clients).Select(i => $"{i:D2}"), lines.Select(l => l["The message was: ".Length..][..2]).Order());
    }

    [Fact]
    public async Task AStalledStderrDoesNotStopTheServerAndRepeatedWarningsAreCounted()
    {
        // Far more warnings than stderr's pipe holds, one line each if they were written one by one.
        const int BadHeaders = 1500;
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--proxy-protocol", "required");
        await using var _ = server;
        server.StderrReader.Pause();

        for (var i = 0; i < BadHeaders; i++)
        {
            await SocketClient.ExchangeAsync(endpoints[0], "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), endOutput: true);
        }

        byte[] message = [.. ValidV1Header, .. "still here\n"u8];
        var answer = await SocketClient.ExchangeAsync(endpoints[0], message);
        server.StderrReader.Resume();
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: still here\n", stdout);
        Assert.Equal(0, exitCode);
        var rejected = server.StderrLines.Count(l => l.StartsWith("warn: Connection ", StringComparison.Ordinal) && l.Contains("closed: expected a PROXY protocol header, got an HTTP/1.1 request (GET /, Host x)", StringComparison.Ordinal));
        Assert.InRange(rejected, 1, BadHeaders / 10);
        Assert.Contains(server.StderrLines, l => l.StartsWith("warn: HeaderRejected: ", StringComparison.Ordinal) && l.EndsWith(" not shown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunningOutOfDescriptorsIsSaidOnceAndTheRealClientIsServedWhenSomeAreFree()
    {
        const int Limit = 256;
        await using var server = ServerProcess.Start(["--port", "0"], descriptorLimit: Limit);
        var endpoints = await server.ReadyAsync();
        var open = Directory.GetFileSystemEntries($"/proc/{server.Id}/fd").Length;
        var idle = new List<Socket>();
        try
        {
            // More idle connections than the process has descriptors left.
            for (var i = 0; i < Limit - open + 40; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync(endpoints[0], TestContext.Current.CancellationToken).AsTask().Within();
            }

            await server.WaitForStderrAsync(lines => lines.Any(l => l.Contains("as many as the file descriptor limit allows", StringComparison.Ordinal)));
            Assert.True(Directory.Exists($"/proc/{server.Id}"), "the server died");
            Assert.InRange(PeakResidentMebibytes(server.Id), 1, 200);
        }
        finally
        {
            idle.ForEach(socket => socket.Dispose());
        }

        var answer = await SocketClient.ExchangeAsync(endpoints[0], "after the flood\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal("Good talking to you\n", answer.Text);
        Assert.Equal("The message was: after the flood\n", stdout);
        Assert.Equal(0, exitCode);
        Assert.InRange(server.StderrLines.Count(l => l.Contains("as many as the file descriptor limit allows", StringComparison.Ordinal)), 1, 3);
    }

    [Fact]
    public async Task UnderDescriptorPressureTheOldestSilentConnectionMakesRoomForARealClient()
    {
        // The descriptors this build holds at rest, from a first run: the second runs with 64 more.
        int atRest;
        await using (var probe = ServerProcess.Start(["--port", "0"]))
        {
            await probe.ReadyAsync();
            atRest = Directory.GetFileSystemEntries($"/proc/{probe.Id}/fd").Length;
        }

        await using var server = ServerProcess.Start(["--port", "0", "--read-timeout", "0"], descriptorLimit: atRest + 64);
        var endpoints = await server.ReadyAsync();
        var idle = new List<Socket>();
        try
        {
            // 200 idle connections, then 150 of them gone: 50 stay open and silent, with no read timeout to end them.
            for (var i = 0; i < 200; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                idle.Add(socket);
                await socket.ConnectAsync(endpoints[0], TestContext.Current.CancellationToken).AsTask().Within();
            }

            idle[..150].ForEach(socket => socket.Dispose());
            await server.WaitForStderrAsync(lines => lines.Any(l => l.Contains("as many as the file descriptor limit allows", StringComparison.Ordinal)));
            Assert.InRange(PeakResidentMebibytes(server.Id), 1, 200);

            var answer = await SocketClient.ExchangeAsync(endpoints[0], "room for me\n"u8.ToArray());
            var (exitCode, stdout) = await server.ExitAsync();

            Assert.Equal("Good talking to you\n", answer.Text);
            Assert.Equal("The message was: room for me\n", stdout);
            Assert.Equal(0, exitCode);
            Assert.Contains(server.StderrLines, l => l.StartsWith("warn: At the connection cap (", StringComparison.Ordinal) && l.EndsWith(", the oldest that had sent nothing, to make room", StringComparison.Ordinal));
        }
        finally
        {
            idle.ForEach(socket => socket.Dispose());
        }
    }

    [Fact]
    public async Task TooFewDescriptorsToRunStillEndsWithOneLineAndADocumentedExitCode()
    {
        // So few that the framework-dependent build cannot load its assemblies; a Native AOT binary
        // may get far enough to listen, and then stops at its wait timeout.
        await using var server = ServerProcess.Start(["--port", "0", "--wait-timeout", "300ms"], descriptorLimit: 64);
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.True(exitCode is 1 or 3 or 4, $"exit code {exitCode}; stderr: {string.Join(" | ", server.StderrLines)}");
        Assert.Empty(stdout);
        Assert.DoesNotContain(server.StderrLines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        if (exitCode != 4)
        {
            Assert.StartsWith("error: ", Assert.Single(server.StderrLines), StringComparison.Ordinal);
        }
    }

    /// <summary>The process's peak resident set (VmHWM), from the kernel's status table.</summary>
    private static int PeakResidentMebibytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kibibytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (int)(kibibytes / 1024);
    }
}
