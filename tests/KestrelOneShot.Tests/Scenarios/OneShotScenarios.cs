using System.Net;
using System.Text;
using System.Text.Json;

namespace KestrelOneShot.Tests.Scenarios;

/// <summary>
/// The contract's behaviours, written once and run in each world (<see cref="ProcessScenarios"/>,
/// <see cref="InMemoryScenarios"/>), so that both are held to the same definition.
/// </summary>
public abstract class OneShotScenarios(IOneShotWorld world)
{
    private const string Answer = "Good talking to you\n";

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task AnswersTheTutorialExchangeOnEachLoopback(int endpoint)
    {
        await using var server = await world.StartAsync();
        var endpoints = server.EndPoints.Cast<IPEndPoint>().ToArray();
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], endpoints.Select(e => e.Address));
        Assert.Equal(endpoints[0].Port, endpoints[1].Port);

        // The client keeps its side open, as telnet does: the server closes right after answering.
        await using var client = await server.ConnectAsync(endpoints[endpoint]);
        await client.SendAsync("Who is there?\r\n"u8.ToArray());
        var answer = await client.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.False(answer.Reset);
        Assert.Equal("The message was: Who is there?\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task AClientThatEndsItsOutputRightAfterItsMessageIsAnswered()
    {
        // printf 'hi\n' | nc -N: the message and the FIN arrive together, and the client still reads.
        await using var server = await world.StartAsync();

        var answer = await ExchangeAsync(server, "hi\n"u8.ToArray(), endOutput: true);
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: hi\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task SwitchesSetTheCapAndTheResponse()
    {
        await using var server = await world.StartAsync("--max-bytes", "5", "--response", "bye ✓");

        var answer = await ExchangeAsync(server, "0123456789"u8.ToArray());
        var run = await server.ExitAsync();

        Assert.Equal("bye ✓", answer.Text);
        Assert.Equal("The message was: 01234\n", run.Stdout);
    }

    [Fact]
    public async Task EscapesControlCharactersAndKeepsUnicode()
    {
        await using var server = await world.StartAsync();

        await ExchangeAsync(server, Encoding.UTF8.GetBytes("héllo ✓ \u001b[2J\0\r\n"));
        var run = await server.ExitAsync();

        Assert.Equal("The message was: héllo ✓ \\x1B[2J\\0\n", run.Stdout);
    }

    // Kestrel reads up to 1 MiB ahead from a socket; 8 MiB leaves input unread in the kernel, where
    // closing without the drain sends RST and the client loses the answer.
    [Theory]
    [InlineData(1, true)]
    [InlineData(1, false)]
    [InlineData(8, true)]
    [InlineData(8, false)]
    public async Task OversizeInputStillGetsTheWholeAnswer(int mebibytes, bool endOutput)
    {
        await using var server = await world.StartAsync();

        var answer = await ExchangeAsync(server, Enumerable.Repeat((byte)'x', mebibytes * 1024 * 1024).ToArray(), endOutput);
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.False(answer.Reset);
        Assert.Equal($"The message was: {new string('x', 100)}\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task ExactlyOneOfFiftyConcurrentClientsIsAnswered()
    {
        await using var server = await world.StartAsync();

        var answers = await ConcurrentClientsAsync(server, 50);
        var run = await server.ExitAsync();

        var answered = Assert.Single(answers.Select((a, i) => (Answer: a, Index: i)), x => x.Answer.Bytes.Length > 0);
        Assert.Equal(Answer, answered.Answer.Text);
        Assert.Equal($"The message was: client {answered.Index}\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task CountServesExactlyThatManyClientsAndProbesDoNotCount()
    {
        await using var server = await world.StartAsync("--count", "3");
        await using (var probe = await server.ConnectAsync(server.EndPoints[0]))
        {
            await probe.EndOutputAsync();
            await probe.ReadToEndAsync();
        }

        var answers = await ConcurrentClientsAsync(server, 10);
        var run = await server.ExitAsync();

        var answered = answers.Select((a, i) => (Answer: a, Index: i)).Where(x => x.Answer.Bytes.Length > 0).ToArray();
        Assert.Equal(3, answered.Length);
        Assert.All(answered, x => Assert.Equal(Answer, x.Answer.Text));
        Assert.Equal(
            answered.Select(x => $"The message was: client {x.Index}").Order(),
            run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task AProbeThatSendsNothingDoesNotTakeTheShot()
    {
        await using var server = await world.StartAsync();

        await using (var probe = await server.ConnectAsync(server.EndPoints[0]))
        {
            await probe.EndOutputAsync();
            Assert.Empty((await probe.ReadToEndAsync()).Bytes);
        }

        var answer = await ExchangeAsync(server, "after the probe\n"u8.ToArray());
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: after the probe\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task ASilentConnectionIsClosedAfterReadTimeoutWithoutTakingTheShot()
    {
        await using var server = await world.StartAsync("--read-timeout", "200ms");

        await using var silent = await server.ConnectAsync(server.EndPoints[0]);
        var closed = await silent.ReadToEndAsync(); // The server ends it; the test never sleeps.
        var answer = await ExchangeAsync(server, "real\n"u8.ToArray());
        var run = await server.ExitAsync();

        Assert.Empty(closed.Bytes);
        Assert.Equal(Answer, answer.Text);
        Assert.Equal("The message was: real\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task AnIdleExtraConnectionDoesNotHoldTheExit()
    {
        // The host waits up to its 30 s ShutdownTimeout for open connections; the tests' 20 s bound
        // fails if the idle connection is not asked to close when the shot is served.
        await using var server = await world.StartAsync();
        await using var idle = await server.ConnectAsync(server.EndPoints[0]);

        var answer = await ExchangeAsync(server, "served\n"u8.ToArray());
        var idleEnd = await idle.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Empty(idleEnd.Bytes);
        Assert.False(idleEnd.Reset);
        Assert.Equal("The message was: served\n", run.Stdout);
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(run.Stderr, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> ClientsWithoutAProxyHeader => new()
    {
        { "tls", "a TLS ClientHello (SNI route.test, ALPN h2,http/1.1): the proxy sends no PROXY header, or sends it inside TLS" },
        { "http1", "an HTTP/1.1 request (GET /health, Host route.test): a proxy in HTTP mode or an HTTP health check sends no PROXY header" },
        { "http2", "an HTTP/2 connection preface: an HTTP/2 client or proxy sends no PROXY header" },
    };

    [Theory]
    [MemberData(nameof(ClientsWithoutAProxyHeader))]
    public async Task AConnectionWithoutTheRequiredProxyHeaderIsNamedWithAHint(string sender, string named)
    {
        await using var server = await world.StartAsync("--proxy-protocol", "required");
        var endpoint = server.EndPoints[0];

        await using (var wrong = await server.ConnectAsync(endpoint))
        {
            switch (sender)
            {
                case "tls":
                    // A proxy that re-encrypts and sends no header: a real ClientHello, then the server closes.
                    using (var tls = new System.Net.Security.SslStream(wrong.AsStream()))
                    {
                        await Assert.ThrowsAnyAsync<Exception>(() => tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
                        {
                            TargetHost = "route.test",
                            ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11],
                        }, TestContext.Current.CancellationToken)).Within();
                    }

                    break;
                case "http1":
                    await wrong.SendAsync("GET /health HTTP/1.1\r\nHost: route.test\r\n\r\n"u8.ToArray());
                    await wrong.ReadToEndAsync();
                    break;
                default:
                    await wrong.SendAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray());
                    await wrong.ReadToEndAsync();
                    break;
            }
        }

        await using var real = await server.ConnectAsync(endpoint);
        await real.SendAsync("PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\nhello\n"u8.ToArray());
        var answer = await real.ReadToEndAsync();
        var run = await server.ExitAsync();

        Assert.Equal(Answer, answer.Text);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(run.Stderr, line => line.StartsWith("warn: Connection ", StringComparison.Ordinal)
            && line.EndsWith($" closed: expected a PROXY protocol header, got {named}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongClientsAreEachInTheReportAndSummarisedWhenTheWaitEnds()
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await world.StartAsync("--proxy-protocol", "required", "--report", report, "--wait-timeout", "3s");
            var endpoint = server.EndPoints[0];
            string tlsClient;
            await using (var tls = await server.ConnectAsync(endpoint))
            {
                tlsClient = tls.LocalEndPoint.ToString()!;
                using var ssl = new System.Net.Security.SslStream(tls.AsStream());
                await Assert.ThrowsAnyAsync<Exception>(() => ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
                {
                    TargetHost = "route.test",
                    ApplicationProtocols = [System.Net.Security.SslApplicationProtocol.Http2, System.Net.Security.SslApplicationProtocol.Http11],
                }, TestContext.Current.CancellationToken)).Within();
            }

            foreach (var wrong in new[] { "GET /health HTTP/1.1\r\nHost: route.test\r\n\r\n"u8.ToArray(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray() })
            {
                await using var client = await server.ConnectAsync(endpoint);
                await client.SendAsync(wrong);
                await client.ReadToEndAsync();
            }

            // A health check: connect, then close.
            await using (var check = await server.ConnectAsync(endpoint))
            {
                await check.EndOutputAsync();
                await check.ReadToEndAsync();
            }

            var run = await server.ExitAsync();

            Assert.Equal(4, run.ExitCode);
            Assert.Equal(
                "warn: No connection was served within 3s; 3 were turned away: 1 TLS ClientHello, 1 HTTP/1.1 request, 1 HTTP/2 preface, and 1 health check came (see the report); stopping (exit 4)",
                run.Stderr[^1]);
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
            var root = json.RootElement;
            Assert.Equal(4, root.GetProperty("rejectedCount").GetInt32());
            Assert.Equal(1, root.GetProperty("probes").GetInt32());
            var rejected = root.GetProperty("rejected").EnumerateArray().ToArray();
            Assert.Equal(["rejected", "rejected", "rejected", "health-check"], rejected.Select(r => r.GetProperty("kind").GetString()));
            Assert.All(rejected, r => Assert.Equal("proxy", r.GetProperty("stage").GetString()));
            Assert.Equal(["tls-client-hello", "http1-request", "http2-preface", "nothing"], rejected.Select(r => r.GetProperty("firstBytes").GetProperty("kind").GetString()));
            var hello = rejected[0].GetProperty("firstBytes");
            Assert.Equal("route.test", hello.GetProperty("sni").GetString());
            Assert.Equal(["h2", "http/1.1"], hello.GetProperty("alpn").EnumerateArray().Select(a => a.GetString()));
            Assert.StartsWith("expected a PROXY protocol header, got a TLS ClientHello (SNI route.test, ALPN h2,http/1.1): ", rejected[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(tlsClient, rejected[0].GetProperty("remoteEndPoint").GetString());
            Assert.Equal(endpoint.ToString(), rejected[0].GetProperty("localEndPoint").GetString());
            Assert.Equal("/health", rejected[1].GetProperty("firstBytes").GetProperty("target").GetString());
            Assert.Equal(Convert.ToHexStringLower("PRI * HTTP/2.0\r\n"u8), rejected[2].GetProperty("firstBytes").GetProperty("hex").GetString());
            var times = rejected.Select(r => r.GetProperty("atMs").GetDouble()).ToArray();
            Assert.Equal(times.Order(), times);
            Assert.All(times, t => Assert.InRange(t, 0, 60_000));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task AMessageThatBeginsWithAProxyHeaderIsServedWithAWarningWhenNothingReadsIt()
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await world.StartAsync("--report", report);
            await using var client = await server.ConnectAsync(server.EndPoints[0]);

            await client.SendAsync("PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\r\nhello\n"u8.ToArray());
            var answer = await client.ReadToEndAsync();
            var run = await server.ExitAsync();

            const string Warning = "the message served begins with a PROXY v1 header: the proxy sends a PROXY header and nothing reads it: run with --proxy-protocol required";
            Assert.Equal(Answer, answer.Text);
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("The message was: PROXY TCP4 203.0.113.7 127.0.0.1 51000 9999\\r\\nhello\n", run.Stdout);
            Assert.Contains(run.Stderr, line => line.StartsWith("warn: Connection ", StringComparison.Ordinal) && line.EndsWith(": " + Warning, StringComparison.Ordinal));
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
            Assert.Equal(Warning, json.RootElement.GetProperty("served")[0].GetProperty("warning").GetString());
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Theory]
    [InlineData("--expect-client", "203.0.113.0/24", "client", "203.0.113.0/24", "203.0.113.7", true)]
    [InlineData("--expect-client", "198.51.100.7", "client", "198.51.100.7/32", "203.0.113.7", false)]
    [InlineData("--expect-proxy", "v2", "proxy", "v2", "v2", true)]
    [InlineData("--expect-proxy", "V1", "proxy", "v1", "v2", false)]
    [InlineData("--expect-authority", "Route.Test", "authority", "Route.Test", "route.test", true)]
    [InlineData("--expect-authority", "other.test", "authority", "other.test", "route.test", false)]
    [InlineData("--expect-message", "hello world", "message", "hello world", "hello world", true)]
    [InlineData("--expect-message", "hello", "message", "hello", "hello world", false)]
    public async Task AnExpectationMetExitsZeroAndOneUnmetExitsFiveAfterTheAnswer(string @switch, string value, string name, string expected, string actual, bool met)
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await world.StartAsync("--proxy-protocol", "optional", "--report", report, @switch, value);
            await using var client = await server.ConnectAsync(server.EndPoints[0]);
            var header = KestrelOneShot.InMemory.ProxyHeaders.V2(
                new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000), new IPEndPoint(IPAddress.Loopback, 9999), new KestrelOneShot.InMemory.ProxyHeaderTlv(0x02, "route.test"u8.ToArray()));

            await client.SendAsync(header.Concat("hello world\n"u8.ToArray()).ToArray());
            var answer = await client.ReadToEndAsync();
            var run = await server.ExitAsync();

            Assert.Equal(Answer, answer.Text);
            Assert.Equal("The message was: hello world\n", run.Stdout);
            Assert.Equal(met ? 0 : 5, run.ExitCode);
            var warning = $" was served, not as expected: {name} {expected} expected ({@switch}), got {actual}";
            Assert.Equal(met ? 0 : 1, run.Stderr.Count(line => line.StartsWith("warn: Connection ", StringComparison.Ordinal) && line.EndsWith(warning, StringComparison.Ordinal)));
            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
            Assert.Equal(met ? "served" : "served-not-as-expected", json.RootElement.GetProperty("outcome").GetString());
            var result = Assert.Single(json.RootElement.GetProperty("served")[0].GetProperty("expectations").EnumerateArray().ToArray());
            Assert.Equal((name, expected, actual, met), (result.GetProperty("name").GetString(), result.GetProperty("expected").GetString(), result.GetProperty("actual").GetString(), result.GetProperty("met").GetBoolean()));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Theory]
    [InlineData("plain", 0)]
    [InlineData("other", 5)]
    public async Task ExpectationsComeFromConfigurationKeysAsFromSwitches(string expected, int exitCode)
    {
        await using var server = await world.StartAsync($"--OneShot:Expect:Message={expected}", "--OneShot:Expect:Proxy=none");
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync("plain\n"u8.ToArray());
        await client.ReadToEndAsync();

        var run = await server.ExitAsync();

        Assert.Equal(exitCode, run.ExitCode);
    }

    [Fact]
    public async Task WithCountEveryServedConnectionMustMeetTheExpectations()
    {
        await using var server = await world.StartAsync("--count", "2", "--expect-message", "right");
        foreach (var message in new[] { "right\n", "wrong\n" })
        {
            await using var client = await server.ConnectAsync(server.EndPoints[0]);
            await client.SendAsync(Encoding.ASCII.GetBytes(message));
            Assert.Equal(Answer, (await client.ReadToEndAsync()).Text);
        }

        var run = await server.ExitAsync();

        Assert.Equal(5, run.ExitCode);
        Assert.Single(run.Stderr, line => line.EndsWith(" was served, not as expected: message right expected (--expect-message), got wrong", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("300ms")]
    [InlineData("1ms")] // Shorter than binding takes: the timeout counts from ready, so the start never fails.
    public async Task NothingServedBeforeWaitTimeoutExitsFour(string timeout)
    {
        await using var server = await world.StartAsync("--wait-timeout", timeout);

        var run = await server.ExitAsync();

        Assert.Equal(4, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains($"warn: No connection was served within {timeout}; stopping (exit 4)", run.Stderr);
        Assert.DoesNotContain(run.Stderr, l => l.StartsWith("error:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("OneShot:MaxMessageBytes (--max-bytes) '0'", "--max-bytes", "0")]
    [InlineData("OneShot:Port (--port) '70000'", "--port", "70000")]
    [InlineData("OneShot:Port (--port) 'abc'", "--port", "abc")]
    [InlineData("OneShot:Address (--address) 'nowhere'", "--address", "nowhere")]
    [InlineData("option '--port' needs a value", "--port")]
    [InlineData("OneShot:ReadTimeout (--read-timeout) 'soon'", "--read-timeout", "soon")]
    [InlineData("unknown option '--prot' (did you mean '--port'?)", "--prot", "5")]
    [InlineData("OneShot:Expect:Client (--expect-client) '10.0.0.0/33'", "--expect-client", "10.0.0.0/33")]
    [InlineData("OneShot:Expect:Proxy (--expect-proxy) 'v3'", "--expect-proxy", "v3")]
    [InlineData("OneShot:Expect:Proxy (--expect-proxy) 'v2': needs --proxy-protocol required or optional", "--expect-proxy", "v2")]
    [InlineData("OneShot:Expect:TlsVersion (--expect-tls-version) 'TLSv1.1'", "--expect-tls-version", "TLSv1.1")]
    [InlineData("OneShot:Expect:Sni (--expect-sni) 'route.test': needs --tls", "--expect-sni", "route.test")]
    public async Task BadArgumentsExitTwoWithOneLineNamingThem(string named, params string[] args)
    {
        await using var server = await world.StartAsync(args);

        var run = await server.ExitAsync();

        Assert.Empty(server.EndPoints);
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        var line = Assert.Single(run.Stderr);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheReportTellsWhoWasServedAndHowManyProbesCameFirst()
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await world.StartAsync("--report", report, "--max-bytes", "4");
            await using (var probe = await server.ConnectAsync(server.EndPoints[0]))
            {
                await probe.EndOutputAsync();
                await probe.ReadToEndAsync();
            }

            await using var client = await server.ConnectAsync(server.EndPoints[0]);
            await client.SendAsync(new byte[] { (byte)'o', (byte)'k', 0xFF, 0x07, (byte)'!' });
            await client.EndOutputAsync();
            await client.ReadToEndAsync();
            var run = await server.ExitAsync();

            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
            var root = json.RootElement;
            Assert.Equal(0, run.ExitCode);
            Assert.Equal("served", root.GetProperty("outcome").GetString());
            Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
            Assert.Equal(1, root.GetProperty("probes").GetInt32());
            Assert.Equal(server.EndPoints.Select(e => e.ToString()), root.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()));
            var served = Assert.Single(root.GetProperty("served").EnumerateArray().ToArray());
            Assert.Equal("ok\uFFFD\\x07", served.GetProperty("text").GetString());
            Assert.Equal(Convert.ToBase64String([(byte)'o', (byte)'k', 0xFF, 0x07]), served.GetProperty("base64").GetString());
            Assert.Equal(4, served.GetProperty("bytes").GetInt32());
            Assert.True(served.GetProperty("capped").GetBoolean());
            Assert.Equal(client.LocalEndPoint.ToString(), served.GetProperty("remoteEndPoint").GetString());
            Assert.Equal(server.EndPoints[0].ToString(), served.GetProperty("localEndPoint").GetString());
            Assert.False(served.TryGetProperty("proxy", out _));
            var timings = root.GetProperty("timings");
            Assert.All(["startToReadyMs", "readyToServedMs", "servedToExitMs"], t => Assert.True(timings.GetProperty(t).GetDouble() >= 0));
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Theory]
    [InlineData("wait-timeout", 4, "--wait-timeout", "100ms")]
    [InlineData("invalid-configuration", 2, "--count", "0")]
    public async Task TheReportIsWrittenWhenNothingWasServedToo(string outcome, int exitCode, params string[] args)
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-report-{Guid.NewGuid():N}.json");
        try
        {
            await using var server = await world.StartAsync(["--report", report, .. args]);
            var run = await server.ExitAsync();

            using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(report, TestContext.Current.CancellationToken));
            Assert.Equal(exitCode, run.ExitCode);
            Assert.Equal(outcome, json.RootElement.GetProperty("outcome").GetString());
            Assert.Equal(exitCode, json.RootElement.GetProperty("exitCode").GetInt32());
            Assert.Empty(json.RootElement.GetProperty("served").EnumerateArray());
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task AReportThatCannotBeWrittenNamesThePathGivenAndTheReason()
    {
        var report = Path.Combine(Path.GetTempPath(), $"oneshot-missing-{Guid.NewGuid():N}", "run.json");
        await using var server = await world.StartAsync("--report", report, "--wait-timeout", "50ms");

        var run = await server.ExitAsync();

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"error: cannot write the report to {report}: the directory does not exist", run.Stderr[^1]);
    }

    /// <summary>
    /// Connects <paramref name="count"/> clients over every endpoint in turn, then has all of them send
    /// "client i" at once and read to the end: the answers, in client order.
    /// </summary>
    private static async Task<ClientAnswer[]> ConcurrentClientsAsync(IServerUnderTest server, int count)
    {
        var clients = new List<IClientUnderTest>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                clients.Add(await server.ConnectAsync(server.EndPoints[i % server.EndPoints.Count]));
            }

            await Task.WhenAll(clients.Select((c, i) => c.SendAsync(Encoding.ASCII.GetBytes($"client {i}\n"))));
            return await Task.WhenAll(clients.Select(c => c.ReadToEndAsync()));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<ClientAnswer> ExchangeAsync(IServerUnderTest server, byte[] message, bool endOutput = false)
    {
        await using var client = await server.ConnectAsync(server.EndPoints[0]);
        await client.SendAsync(message);
        if (endOutput)
        {
            await client.EndOutputAsync();
        }

        return await client.ReadToEndAsync();
    }
}

public sealed class ProcessScenarios() : OneShotScenarios(new ProcessWorld());

public sealed class InMemoryScenarios() : OneShotScenarios(new InMemoryWorld());
