using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;

using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

using Orders;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// samples/System (a YARP gateway, Orders, Billing) on one in-memory network by name: the gateway's
/// forwarder, Orders' typed HttpClient and gRPC client, and the test's HttpClient, SignalR
/// HubConnection and ClientWebSocket all connect through it; no socket is bound.
/// </summary>
public sealed class SampleSystemTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOrderThroughTheGatewayReachesBothServicesByNameAndEachSeesItsCallersAddress()
    {
        await using var system = await SampleSystem.StartAsync();
        using var client = system.CreateClient();

        using var response = await client.PostAsync("orders/o-42", null, Cancellation).Within();
        var placed = await response.Content.ReadFromJsonAsync<OrderPlaced>(Cancellation).Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new OrderPlaced(
            "o-42",
            Billing.Program.PriceOf("o-42"),
            $"receipt-o-42-{Billing.Program.PriceOf("o-42")}",
            OrdersCaller: system.Gateway.Address.ToString(),
            InvoiceCaller: system.Orders.Address.ToString(),
            ChargeCaller: system.Orders.Address.ToString()), placed);
    }

    [Fact]
    public async Task ReadingAnOrderThroughTheGatewayReachesBillingThroughTheTypedClient()
    {
        await using var system = await SampleSystem.StartAsync();
        using var client = system.CreateClient();

        var order = await client.GetFromJsonAsync<OrderView>("orders/o-7", Cancellation).Within();

        Assert.Equal(new OrderView("o-7", Billing.Program.PriceOf("o-7"), system.Gateway.Address.ToString(), system.Orders.Address.ToString()), order);
    }

    [Fact]
    public async Task EachAppListensAtItsOwnAddressAndNoSocketIsBound()
    {
        await using var system = await SampleSystem.StartAsync();

        Assert.Equal(["gateway (127.0.0.2)", "orders (127.0.0.3)", "billing (127.0.0.4)"], system.Network.Hosts.Select(host => host.ToString()));
        Assert.Equal(
            ["127.0.0.4:8080", "127.0.0.4:8081", "127.0.0.3:8080", "127.0.0.2:8080", "127.0.0.2:8081"],
            system.Network.BoundEndPoints.Select(endpoint => endpoint.ToString()));
        // What each app's Kestrel reports: its own address, not "Unspecified" or a wildcard.
        Assert.Equal(["http://127.0.0.4:8080", "http://127.0.0.4:8081"], system.AddressesOf(system.Billing));
        Assert.Equal(["http://127.0.0.2:8080", "http://127.0.0.2:8081"], system.AddressesOf(system.Gateway));
        Assert.False(SocketTable.ListensInThisProcess(8080) || SocketTable.ListensInThisProcess(8081), "a socket of this process listens on 8080 or 8081");
    }

    [Fact]
    public async Task TwoCopiesOfTheSystemRunSideBySideOnTheSamePortsAndNames()
    {
        var systems = await Task.WhenAll(SampleSystem.StartAsync(), SampleSystem.StartAsync());
        await using var first = systems[0];
        await using var second = systems[1];
        using var firstClient = first.CreateClient();
        using var secondClient = second.CreateClient();

        var answers = await Task.WhenAll(
            firstClient.PostAsync("orders/first", null, Cancellation),
            secondClient.PostAsync("orders/second", null, Cancellation)).Within();

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.StatusCode));
        Assert.Equal("first", (await answers[0].Content.ReadFromJsonAsync<OrderPlaced>(Cancellation))!.OrderId);
        Assert.Equal("second", (await answers[1].Content.ReadFromJsonAsync<OrderPlaced>(Cancellation))!.OrderId);
    }

    [Fact]
    public async Task AnAliasReachesItsHostAndAnUnknownNameFailsAtOnceNamingTheKnownOnes()
    {
        await using var system = await SampleSystem.StartAsync();
        using var client = system.Network.CreateClient(new Uri("http://billing.internal:8080/"));

        var invoice = await client.GetFromJsonAsync<BillingInvoice>("invoices/a", Cancellation).Within();
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://shipping:8080/", Cancellation)).Within();

        Assert.Equal("127.0.0.1", invoice!.Caller);
        Assert.Equal(HttpRequestError.NameResolutionError, failure.HttpRequestError);
        Assert.Contains(
            "'shipping' is not a name in this in-memory network; names: gateway (127.0.0.2), orders (127.0.0.3), billing (127.0.0.4), localhost",
            failure.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignalRClientOverWebSocketsHearsTheOrderThroughTheGateway()
    {
        await using var system = await SampleSystem.StartAsync();
        // SignalR's two hooks: the handler for negotiation, the WebSocket for the transport.
        await using var hub = new HubConnectionBuilder()
            .WithUrl("http://gateway:8080/hubs/orders", HttpTransportType.WebSockets, options =>
            {
                options.HttpMessageHandlerFactory = _ => system.Network.CreateHandler();
                options.WebSocketFactory = async (context, cancellationToken) =>
                {
                    var socket = new ClientWebSocket();
                    await socket.ConnectAsync(context.Uri, new HttpMessageInvoker(system.Network.CreateHandler()), cancellationToken);
                    return socket;
                };
            })
            .Build();
        var heard = new TaskCompletionSource<(string OrderId, string Receipt)>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<string, string>("placed", (orderId, receipt) => heard.TrySetResult((orderId, receipt)));
        await hub.StartAsync(Cancellation).Within();
        using var client = system.CreateClient();

        using var response = await client.PostAsync("orders/h-1", null, Cancellation).Within();

        Assert.Equal(("h-1", $"receipt-h-1-{Billing.Program.PriceOf("h-1")}"), await heard.Task.Within());
    }
}
