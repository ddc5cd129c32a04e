using System.Net;

using KestrelOneShot.InMemory;
using KestrelOneShot.Testing.Hosting;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace KestrelOneShot.Tests.Http;

/// <summary>
/// YARP as the gateway, in the test process, in front of the one-shot in memory: its forwarder's
/// client built on the in-memory transport (YARP's own handler settings kept), its route declared as
/// a user would, and the one-shot's exit code proving what the gateway forwarded.
/// </summary>
public sealed class YarpGatewayTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AGatewayThatKeepsTheClientsHostProvesTheRoute()
    {
        await using var oneShot = await InMemoryOneShotServer.StartAsync(
            ["--http", "--expect-host", "route.test", "--expect-path", "/api/hello", "--expect-forwarded-proto", "http", "--expect-header", "X-Forwarded-Host: route.test", "--expect-http-version", "1.1"],
            Cancellation).Within();
        await using var gateway = await StartGatewayAsync(oneShot.Transport, new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" });

        using var response = await gateway.GetTestClient().PostAsync("http://route.test/api/hello", new StringContent("Who is there?"), Cancellation).Within();
        var body = await response.Content.ReadAsStringAsync(Cancellation).Within();
        var run = await oneShot.Completion.Within();

        Assert.Equal((HttpStatusCode.OK, "Good talking to you\n"), (response.StatusCode, body));
        Assert.Equal("Who is there?", run.Message);
        Assert.True(run.ExitCode == 0, string.Join('\n', run.Logs));
    }

    [Fact]
    public async Task YarpsDefaultHostIsTheDestinationsAndTheHintNamesItsTransform()
    {
        await using var oneShot = await InMemoryOneShotServer.StartAsync(["--http", "--expect-host", "route.test"], Cancellation).Within();
        await using var gateway = await StartGatewayAsync(oneShot.Transport, transform: null);

        using var response = await gateway.GetTestClient().GetAsync("http://route.test/api/hello", Cancellation).Within();
        var run = await oneShot.Completion.Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, run.ExitCode);
        Assert.Contains(run.Logs, l => l.Contains("host route.test expected (--expect-host), got 127.0.0.1:9999: ", StringComparison.Ordinal) && l.Contains("YARP: RequestHeaderOriginalHost", StringComparison.Ordinal));
    }

    /// <summary>A YARP gateway on TestServer with one route to the one-shot's first endpoint.</summary>
    private static async Task<WebApplication> StartGatewayAsync(InMemoryTransport transport, IReadOnlyDictionary<string, string>? transform)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "api", ClusterId = "oneshot", Match = new RouteMatch { Path = "/api/{**rest}" }, Transforms = transform is null ? null : [transform] }],
            [new ClusterConfig { ClusterId = "oneshot", Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = "http://127.0.0.1:9999/" } } }]);
        builder.Services.AddSingleton<IForwarderHttpClientFactory>(new InMemoryForwarderHttpClientFactory(transport.ConnectCallback));
        var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync(Cancellation).Within();
        return app;
    }
}
