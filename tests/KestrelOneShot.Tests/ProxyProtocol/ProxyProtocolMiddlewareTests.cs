using System.Net;
using System.Text;

using KestrelOneShot.Diagnosis;
using KestrelOneShot.ProxyProtocol;
using KestrelOneShot.Run;

namespace KestrelOneShot.Tests.ProxyProtocol;

public sealed class ProxyProtocolMiddlewareTests
{
    private static readonly byte[] Answer = "Good talking to you\n"u8.ToArray();
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static readonly byte[] V1Header = "PROXY TCP4 203.0.113.7 127.0.0.1 40123 9999\r\n"u8.ToArray();

    [Fact]
    public async Task TheClientsMessageInTheHeadersSegmentIsServedAndTheOriginalClientIsTheRemote()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required);
        var client = new TestConnection();
        var hop = client.Server.RemoteEndPoint;

        await client.SendAsync([.. V1Header, .. "Who is there?\r\n"u8]);
        await harness.Serve(client).Within();

        Assert.Equal(Answer, client.Answer());
        Assert.Equal(["The message was: Who is there?"], await harness.StdoutLinesAsync());
        Assert.Equal(IPEndPoint.Parse("203.0.113.7:40123"), client.Server.RemoteEndPoint);
        var header = client.Server.Features.Get<ProxyHeader>()!;
        Assert.Equal(hop, header.Hop);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:9999"), header.Destination);
        Assert.Contains(harness.HandlerLog.Lines(), l => l == $"Information: Served connection {client.Server.ConnectionId} from 203.0.113.7:40123 via proxy {hop}: 15 bytes");
    }

    [Fact]
    public async Task AV2HeaderArrivingOneByteAtATimeIsReadWithThePipe()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required);
        var client = new TestConnection();
        byte[] header = [.. V2Signature, 0x21, 0x11, 0x00, 12, 198, 51, 100, 9, 127, 0, 0, 1, 0x30, 0x39, 0x27, 0x0F];

        var serving = harness.Serve(client);
        foreach (var b in header)
        {
            Assert.False(serving.IsCompleted);
            await client.SendAsync([b]);
        }

        await client.SendAsync("split\n"u8.ToArray());
        await serving.Within();

        Assert.Equal(Answer, client.Answer());
        Assert.Equal(["The message was: split"], await harness.StdoutLinesAsync());
        Assert.Equal(IPEndPoint.Parse("198.51.100.9:12345"), client.Server.RemoteEndPoint);
    }

    [Fact]
    public async Task AV2LocalHealthCheckIsAProbeEvenWhenItSendsData()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required);
        var check = new TestConnection();

        // The connection is held until the check closes it, and what it sends is dropped.
        await check.SendAsync([.. V2Signature, 0x20, 0x00, 0x00, 0x00, .. "are you there?\n"u8]);
        var serving = harness.Serve(check);
        Assert.False(serving.IsCompleted);
        await check.Client.Transport.Output.CompleteAsync();
        await serving.Within();

        Assert.Empty(check.Answer());
        Assert.Empty(await harness.StdoutLinesAsync());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Equal(1, harness.Run.Rejections.HealthChecks);
    }

    [Fact]
    public async Task AV2LocalHealthCheckThatStaysSilentIsClosedAtReadTimeout()
    {
        var harness = new HandlerHarness(o => (o.ProxyProtocol, o.ReadTimeout) = (ProxyProtocolMode.Required, TimeSpan.FromSeconds(5)));
        var check = new TestConnection();

        await check.SendAsync([.. V2Signature, 0x20, 0x00, 0x00, 0x00]);
        var serving = harness.Serve(check);
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        await serving.Within();

        Assert.Equal(1, harness.Run.Rejections.HealthChecks);
    }

    [Fact]
    public async Task AValidHeaderFollowedByNothingIsAProbe()
    {
        // HAProxy's send-proxy health check: a real-looking header, then the connection ends.
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required);
        var check = new TestConnection();

        await check.SendAsync(V1Header, endOutput: true);
        await harness.Serve(check).Within();

        Assert.Empty(check.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Equal(1, harness.Run.Rejections.HealthChecks);
    }

    [Fact]
    public async Task OptionalModeLetsAPlainConnectionThroughUntouched()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Optional);
        var client = new TestConnection();
        var remote = client.Server.RemoteEndPoint;

        await client.SendAsync("PRO, not a header\n"u8.ToArray());
        await harness.Serve(client).Within();

        Assert.Equal(["The message was: PRO, not a header"], await harness.StdoutLinesAsync());
        Assert.Equal(remote, client.Server.RemoteEndPoint);
        Assert.Null(client.Server.Features.Get<ProxyHeader>());
    }

    [Fact]
    public async Task OptionalModeStillReadsAHeader()
    {
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Optional);
        var client = new TestConnection();

        await client.SendAsync([.. V1Header, .. "hi"u8]);
        await harness.Serve(client).Within();

        Assert.Equal(["The message was: hi"], await harness.StdoutLinesAsync());
        Assert.Equal(IPEndPoint.Parse("203.0.113.7:40123"), client.Server.RemoteEndPoint);
    }

    public static TheoryData<byte[], string> BadHeaders => new()
    {
        { "hello\n"u8.ToArray(), "expected a PROXY protocol header, got bytes that name no protocol (\"hello\", hex 68656c6c6f0a): the proxy sends no PROXY header (send-proxy / proxy_protocol on)" },
        { "GET / HTTP/1.1\r\nHost: route.test\r\n\r\n"u8.ToArray(), "expected a PROXY protocol header, got an HTTP/1.1 request (GET /, Host route.test): a proxy in HTTP mode or an HTTP health check sends no PROXY header" },
        { "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), "expected a PROXY protocol header, got an HTTP/2 connection preface: an HTTP/2 client or proxy sends no PROXY header" },
        { Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('9', 120)), "v1 header has no CRLF within 107 bytes" },
        { [.. V2Signature, 0x31, 0x11, 0x00, 0x0C], "v2 header has unknown version 3" },
        { [.. V2Signature, 0x2F, 0x11, 0x00, 0x0C], "v2 header has unknown command 15" },
        { [.. V2Signature, 0x21, 0x21, 0x00, 0x0C, .. new byte[12]], "v2 header is 12 bytes, too short for its address family (36)" },
        { [.. V2Signature, 0x21, 0x11, 0xFF, 0xFF], "v2 header declares 65535 bytes, over the 4080-byte cap" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task ABadHeaderIsClosedAtOnceWithOneWarningAndLeavesTheShot(byte[] sent, string reason)
    {
        // The client keeps its side open: the verdict must not wait for more bytes or for the clock.
        var harness = new HandlerHarness(o => o.ProxyProtocol = ProxyProtocolMode.Required);
        var client = new TestConnection();

        await client.SendAsync(sent);
        await harness.Serve(client).Within();

        Assert.Empty(client.Answer());
        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Equal(0, harness.Run.Rejections.HealthChecks);
        Assert.Equal([$"Warning: Connection {client.Server.ConnectionId} from {client.Server.RemoteEndPoint} closed: {reason}"], harness.ProxyProtocolLog.Lines());
    }

    [Fact]
    public async Task AHeaderThatDoesNotCompleteWithinReadTimeoutIsClosed()
    {
        var harness = new HandlerHarness(o =>
        {
            o.ProxyProtocol = ProxyProtocolMode.Required;
            o.ReadTimeout = TimeSpan.FromSeconds(5);
        });
        var client = new TestConnection();

        await client.SendAsync("PROXY TCP4 1.2.3.4"u8.ToArray());
        var serving = harness.Serve(client);
        Assert.False(serving.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        await serving.Within();

        Assert.Equal(RunOutcome.Waiting, harness.Run.Outcome);
        Assert.Single(harness.ProxyProtocolLog.Lines(), l => l.EndsWith("closed: the PROXY header did not complete within 5s", StringComparison.Ordinal));
        // What was left in the pipe when the read gave up is what the rejection began with.
        var rejection = Assert.Single(harness.Run.Rejections.Entries);
        Assert.Equal((ConnectionStage.Proxy, FirstBytesKind.ProxyV1), (rejection.Stage, rejection.Began.Kind));
    }
}
