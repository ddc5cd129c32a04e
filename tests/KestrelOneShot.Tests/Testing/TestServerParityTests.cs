using System.Text.RegularExpressions;

namespace KestrelOneShot.Tests.Testing;

/// <summary>
/// Where TestServer is not the server: each row runs one app on loopback sockets and in memory with
/// the same assertion, and under TestServer, whose result is recorded in the test's output (the
/// table in the InMemory package's README comes from it), never asserted.
/// </summary>
public sealed partial class TestServerParityTests
{
    /// <summary>How long a row waits under TestServer, where some of what it awaits never comes.</summary>
    private static readonly TimeSpan TestServerBound = TimeSpan.FromSeconds(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public Task AClientsCancellationReachesRequestAborted() => RowAsync("RequestAborted fired", async (app, bound) =>
    {
        using var client = app.Http1();
        using var cancel = new CancellationTokenSource();
        var request = client.GetAsync("slow", cancel.Token);
        await app.Started.Reader.ReadAsync(Cancellation).AsTask().WaitAsync(bound, Cancellation);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await app.Aborted.Reader.ReadAsync(Cancellation).AsTask().WaitAsync(bound, Cancellation);
        return "RequestAborted fired";
    });

    [Fact]
    public Task DuplexStreamingAnswersEachMessageBeforeTheRequestEnds() => RowAsync("ping 1,ping 2,ping 3", async (app, bound) =>
    {
        using var call = app.GrpcClient().Echo(cancellationToken: Cancellation);
        var echoed = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            // The next message is sent only once the last one's answer arrived: both streams open at once.
            await call.RequestStream.WriteAsync(new HttpApp.Grpc.HelloRequest { Name = $"ping {i}" }, Cancellation).WaitAsync(bound, Cancellation);
            Assert.True(await call.ResponseStream.MoveNext(Cancellation).WaitAsync(bound, Cancellation));
            echoed.Add(call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        return string.Join(',', echoed);
    });

    [Fact]
    public Task AStreamedResponseDoesNotCancelTheUpload() => RowAsync("upload=1048576", async (app, bound) =>
    {
        using var client = app.Http2();
        using var response = await client.PostAsync("upload-while-streaming", new ByteArrayContent(new byte[1024 * 1024]), Cancellation).WaitAsync(bound, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation).WaitAsync(bound, Cancellation);
        return body[(body.LastIndexOf('\n') + 1)..];
    });

    [Fact]
    public Task ResponseTrailersArrive() => RowAsync("body x-checksum=abc", async (app, bound) =>
    {
        using var client = app.Http2();
        using var response = await client.GetAsync("trailers", Cancellation).WaitAsync(bound, Cancellation);
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        return $"{body} x-checksum={string.Join(',', response.TrailingHeaders.TryGetValues("x-checksum", out var values) ? values : [])}";
    });

    [Fact]
    public Task MaxRequestBodySizeRefusesALargerBody() => RowAsync("413", async (app, bound) =>
    {
        using var client = app.Http1();
        using var response = await client.PostAsync("limited", new ByteArrayContent(new byte[100]), Cancellation).WaitAsync(bound, Cancellation);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancellation)}".TrimEnd();
    });

    [Fact]
    public Task FramingHeadersAreTheWiresOwn() => RowAsync("unknown length: chunked=True length=; known length: chunked= length=2", async (app, bound) =>
    {
        using var client = app.Http1();
        using var unknown = await client.GetAsync("framing/unknown-length", HttpCompletionOption.ResponseHeadersRead, Cancellation).WaitAsync(bound, Cancellation);
        using var known = await client.GetAsync("framing/known-length", HttpCompletionOption.ResponseHeadersRead, Cancellation).WaitAsync(bound, Cancellation);
        return $"unknown length: chunked={unknown.Headers.TransferEncodingChunked} length={unknown.Content.Headers.ContentLength}; " +
            $"known length: chunked={known.Headers.TransferEncodingChunked} length={known.Content.Headers.ContentLength}";
    });

    [Fact]
    public Task AClientCertificateReachesTheAppOverMutualTls() => RowAsync("client=CN=client.test", async (app, bound) =>
    {
        using var client = app.Mtls(TestCertificates.Shared.Client);
        if (client is null)
        {
            return "no TLS, so no client certificate";
        }

        var seen = await client.GetStringAsync("connection", Cancellation).WaitAsync(bound, Cancellation);
        return seen[seen.IndexOf("client=", StringComparison.Ordinal)..];
    });

    [Fact]
    public Task HttpContextConnectionHasBothEndsAddresses() => RowAsync("HTTP/1.1 remote=127.0.0.1:<ephemeral> local=127.0.0.1:<endpoint> client=", async (app, bound) =>
    {
        using var client = app.Http1();
        var seen = await client.GetStringAsync("connection", Cancellation).WaitAsync(bound, Cancellation);
        return EphemeralPort().Replace(seen.Replace($":{app.Http1Address.Port} ", ":<endpoint> ", StringComparison.Ordinal), ":<ephemeral> ");
    });

    [Fact]
    public Task Http2IsRealHttp2() => RowAsync("2.0 HTTP/2", async (app, bound) =>
    {
        using var client = app.Http2();
        using var response = await client.GetAsync("connection", Cancellation).WaitAsync(bound, Cancellation);
        var seen = await response.Content.ReadAsStringAsync(Cancellation);
        return $"{response.Version} {seen.Split(' ')[0]}";
    });

    /// <summary>
    /// The row on sockets and in memory, asserted, then under TestServer, recorded: what it observed
    /// or what it threw.
    /// </summary>
    private static async Task RowAsync(string expected, Func<ParityApp, TimeSpan, Task<string>> observe)
    {
        foreach (var world in new[] { ParityWorld.Sockets, ParityWorld.InMemory })
        {
            await using var app = await ParityApp.StartAsync(world);
            Assert.Equal((world, expected), (world, await observe(app, Bounded.Timeout)));
        }

        await using var testServer = await ParityApp.StartAsync(ParityWorld.TestServer);
        string recorded;
        try
        {
            recorded = await observe(testServer, TestServerBound);
        }
        catch (Exception failure) when (failure is not Xunit.Sdk.IAssertionException)
        {
            recorded = $"{failure.GetType().Name}: {failure.Message.Split('\n')[0]}";
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"TestServer: {recorded}");
    }

    [GeneratedRegex(@"(?<=remote=127\.0\.0\.1):\d+ ")]
    private static partial Regex EphemeralPort();
}
