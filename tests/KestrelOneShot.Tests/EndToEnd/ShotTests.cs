using System.Text;

namespace KestrelOneShot.Tests.EndToEnd;

/// <summary>Who gets the one shot: the first connection that delivers data, and only it.</summary>
public sealed class ShotTests
{
    private const string Answer = "Good talking to you\n";

    [Fact]
    public async Task ExactlyOneOfFiftyConcurrentClientsIsAnswered()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;
        var clients = new List<SocketClient>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                clients.Add(await SocketClient.ConnectAsync(endpoints[i % endpoints.Count]));
            }

            await Task.WhenAll(clients.Select((c, i) => c.SendAsync(Encoding.ASCII.GetBytes($"client {i}\n"))));
            var answers = await Task.WhenAll(clients.Select(c => c.ReadToEndAsync()));
            var (exitCode, stdout) = await server.ExitAsync();

            var answered = Assert.Single(answers.Select((a, i) => (a, i)), x => x.a.Bytes.Length > 0);
            Assert.Equal(Answer, answered.a.Text);
            Assert.Equal($"The message was: client {answered.i}\n", stdout);
            Assert.Equal(0, exitCode);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task APortProbeDoesNotTakeTheShot()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;

        using (var probe = await SocketClient.ConnectAsync(endpoints[0]))
        {
            probe.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.Empty((await probe.ReadToEndAsync()).Bytes);
        }

        var answer = await SocketClient.ExchangeAsync(endpoints[0], "after the probe\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: after the probe\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task ASilentConnectionIsClosedAfterReadTimeoutWithoutTakingTheShot()
    {
        var (server, endpoints) = await ServerProcess.StartReadyAsync("--read-timeout", "200ms");
        await using var _ = server;

        using var silent = await SocketClient.ConnectAsync(endpoints[0]);
        var closed = await silent.ReadToEndAsync(); // The server ends it; the test never sleeps.
        var answer = await SocketClient.ExchangeAsync(endpoints[0], "real\n"u8.ToArray());
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Empty(closed.Bytes);
        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: real\n", stdout);
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task AnIdleExtraConnectionDoesNotHoldTheExit()
    {
        // The host waits up to its 30 s ShutdownTimeout for open connections; the test's 20 s bound
        // fails if the idle connection is not asked to close when the shot is served.
        var (server, endpoints) = await ServerProcess.StartReadyAsync();
        await using var _ = server;
        using var idle = await SocketClient.ConnectAsync(endpoints[0]);

        var answer = await SocketClient.ExchangeAsync(endpoints[0], "served\n"u8.ToArray());
        var idleEnd = await idle.ReadToEndAsync();
        var (exitCode, stdout) = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Empty(idleEnd.Bytes);
        Assert.False(idleEnd.Reset);
        Assert.Equal("The message was: served\n", stdout);
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain(server.StderrLines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal));
    }
}
