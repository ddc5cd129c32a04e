using System.IO.Pipelines;
using System.Text;

using KestrelOneShot.ConnectionHandling;
using KestrelOneShot.Connections;
using KestrelOneShot.Output;
using KestrelOneShot.Run;

namespace KestrelOneShot.Tests.ConnectionHandling;

public sealed class OneShotConnectionHandlerTests
{
    private static readonly byte[] DefaultAnswer = "Good talking to you\n"u8.ToArray();

    [Fact]
    public async Task AnswersTheTutorialExchangeAndPrintsTheMessage()
    {
        var harness = new HandlerHarness();
        var client = new TestConnection();

        await client.SendAsync("Who is there?\r\n"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal(["The message was: Who is there?"], await harness.StdoutLinesAsync());
        Assert.Equal(RunOutcome.Served, harness.Run.Outcome);
        Assert.True(harness.Lifetime.StopRequested);
    }

    [Fact]
    public async Task ReturnsRightAfterTheAnswerWhenNothingIsLeftUnread()
    {
        // The client keeps its side open, as telnet does: no drain, no waiting on the clock.
        var harness = new HandlerHarness();
        var client = new TestConnection();

        await client.SendAsync("hello\n"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task CapsTheMessageAtMaxMessageBytesAcrossSegments()
    {
        var harness = new HandlerHarness(o => o.MaxMessageBytes = 100);
        // Small segments make the first read a multi-segment buffer, as a large socket read is.
        var client = new TestConnection(new PipeOptions(minimumSegmentSize: 16, pauseWriterThreshold: 0));
        var sent = Enumerable.Range(0, 150).Select(i => (byte)('a' + (i % 26))).ToArray();
        for (var offset = 0; offset < sent.Length; offset += 10)
        {
            await client.SendAsync(sent[offset..Math.Min(offset + 10, sent.Length)]);
        }

        await client.Client.Transport.Output.CompleteAsync();
        await harness.Connect(client);

        Assert.Equal([MessageStdout.Prefix + Encoding.ASCII.GetString(sent, 0, 100)], await harness.StdoutLinesAsync());
        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task SendsTheConfiguredResponseAsUtf8()
    {
        var harness = new HandlerHarness(o => o.Response = "héllo ✓\n");
        var client = new TestConnection();

        await client.SendAsync("hi"u8.ToArray());
        await harness.Connect(client);

        Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓\n"), client.Answer());
    }

    [Fact]
    public async Task ConnectionThatClosesWithoutDataIsAProbeAndLeavesTheShot()
    {
        var harness = new HandlerHarness();
        var probe = new TestConnection();

        await probe.Client.Transport.Output.CompleteAsync();
        await harness.Connect(probe);

        Assert.Empty(probe.Answer());
        Assert.Empty(await harness.StdoutLinesAsync());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.False(harness.Lifetime.StopRequested);

        var client = new TestConnection();
        await client.SendAsync("real"u8.ToArray());
        await harness.Connect(client);
        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal(["The message was: real"], await harness.StdoutLinesAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ConnectionResetBeforeSendingIsAProbe(bool resetBeforeTheHandlerLooks)
    {
        var harness = new HandlerHarness();
        var probe = new TestConnection();

        Task serving;
        if (resetBeforeTheHandlerLooks)
        {
            probe.Client.Abort();
            serving = harness.Connect(probe);
        }
        else
        {
            serving = harness.Connect(probe);
            probe.Client.Abort();
        }

        await serving;
        Assert.Empty(await harness.StdoutLinesAsync());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Equal(1, harness.Run.Rejections.HealthChecks);
    }

    [Fact]
    public async Task ConnectionThatSendsNothingWithinReadTimeoutIsAProbe()
    {
        var harness = new HandlerHarness(o => o.ReadTimeout = TimeSpan.FromSeconds(2));
        var probe = new TestConnection();

        var serving = harness.Serve(probe);
        harness.Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(serving.IsCompleted);
        harness.Time.Advance(TimeSpan.FromMilliseconds(1));
        await serving.Within();

        Assert.Empty(probe.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
    }

    [Fact]
    public async Task ReadTimeoutZeroWaitsForData()
    {
        var harness = new HandlerHarness(o => o.ReadTimeout = TimeSpan.Zero);
        var client = new TestConnection();

        var serving = harness.Serve(client);
        harness.Time.Advance(TimeSpan.FromDays(1));
        Assert.False(serving.IsCompleted);

        await client.SendAsync("late"u8.ToArray());
        await serving.Within();
        Assert.Equal(DefaultAnswer, client.Answer());
    }

    [Fact]
    public async Task IdleConnectionEndsWhenKestrelAsksItToClose()
    {
        var harness = new HandlerHarness();
        var idle = new TestConnection();

        var serving = harness.Serve(idle);
        Assert.False(serving.IsCompleted);
        idle.RequestClose();
        await serving.Within();

        Assert.Empty(idle.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
    }

    [Fact]
    public async Task ConnectionAfterTheShotIsClosedUnanswered()
    {
        var harness = new HandlerHarness();
        var first = new TestConnection();
        var late = new TestConnection();

        await first.SendAsync("first"u8.ToArray());
        await harness.Connect(first);
        await late.SendAsync("second"u8.ToArray());
        await harness.Connect(late);

        Assert.Empty(late.Answer());
        Assert.Equal(["The message was: first"], await harness.StdoutLinesAsync());
    }

    [Fact]
    public async Task ExactlyOneOfFiftyConcurrentConnectionsIsAnswered()
    {
        var harness = new HandlerHarness();
        var clients = Enumerable.Range(0, 50).Select(_ => new TestConnection()).ToArray();
        foreach (var (client, i) in clients.Select((c, i) => (c, i)))
        {
            await client.SendAsync(Encoding.ASCII.GetBytes($"client {i}"));
        }

        using var start = new ManualResetEventSlim();
        var serving = clients.Select(c => Task.Run(() => { start.Wait(); return harness.Serve(c); })).ToArray();
        start.Set();
        await Task.WhenAll(serving).Within();

        var answered = clients.Where(c => c.Answer().Length > 0).ToArray();
        Assert.Single(answered);
        var line = Assert.Single(await harness.StdoutLinesAsync());
        Assert.Equal($"The message was: client {Array.IndexOf(clients, answered[0])}", line);
    }

    [Fact]
    public async Task OversizeInputIsDrainedUntilTheClientsEndOfInput()
    {
        var harness = new HandlerHarness();
        var client = new TestConnection();

        // Sent in 64 KiB writes: with the pipe's back-pressure the client only gets to the end of its
        // mebibyte if the handler keeps reading after the answer.
        var serving = harness.Serve(client);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 16; i++)
            {
                await client.SendAsync(new byte[64 * 1024]);
            }

            await client.Client.Transport.Output.CompleteAsync();
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(serving, sending).Within();

        Assert.Equal(DefaultAnswer, client.Answer());
        Assert.Equal([MessageStdout.Prefix + string.Concat(Enumerable.Repeat("\\0", 100))], await harness.StdoutLinesAsync());
    }

    [Fact]
    public async Task DrainingStopsAtItsTimeBoundWhenTheClientKeepsSending()
    {
        var harness = new HandlerHarness();
        var client = new TestConnection();

        await client.SendAsync(new byte[500]);
        var serving = harness.Serve(client);
        Assert.False(serving.IsCompleted);
        harness.Time.Advance(OneShotConnectionHandler.DrainTimeLimit);
        await serving.Within();

        Assert.Equal(DefaultAnswer, client.Answer());
    }
}
