using Billing.Grpc;

using Microsoft.AspNetCore.SignalR;

namespace Orders;

/// <summary>
/// Orders, on 8080: <c>GET /orders/{orderId}</c> reads the order's invoice from Billing through a
/// typed <see cref="HttpClient"/> (<see cref="BillingClient"/>); <c>POST /orders/{orderId}</c> reads
/// it the same way, charges it through the gRPC <c>Charger</c> client, tells the <c>/hubs/orders</c>
/// SignalR hub, and answers what each side saw. Billing's addresses come from configuration
/// (<c>Billing:Http</c>, <c>Billing:Grpc</c>), by name by default, as in a compose file or a
/// cluster; <c>Ports:Http</c> moves its own port.
/// </summary>
public sealed class Program
{
    private Program()
    {
    }

    public const int HttpPort = 8080;

    public static void Main(string[] args) => Build(args).Run();

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.ListenAnyIP(context.Configuration.GetValue("Ports:Http", HttpPort)));
        builder.Services.AddHttpClient<BillingClient>(client => client.BaseAddress = new Uri(builder.Configuration["Billing:Http"] ?? "http://billing:8080/"));
        builder.Services.AddGrpcClient<Charger.ChargerClient>(grpc => grpc.Address = new Uri(builder.Configuration["Billing:Grpc"] ?? "http://billing:8081/"));
        builder.Services.AddSignalR();

        var app = builder.Build();
        app.MapGet("/orders/{orderId}", async (string orderId, BillingClient billing, HttpContext context) =>
        {
            var invoice = await billing.GetInvoiceAsync(orderId, context.RequestAborted);
            return new OrderView(orderId, invoice.AmountCents, context.Connection.RemoteIpAddress?.ToString(), invoice.Caller);
        });
        app.MapPost("/orders/{orderId}", async (string orderId, BillingClient billing, Charger.ChargerClient charger, IHubContext<OrdersHub> hub, HttpContext context) =>
        {
            var cancellation = context.RequestAborted;
            var invoice = await billing.GetInvoiceAsync(orderId, cancellation);
            var charged = await charger.ChargeAsync(new ChargeRequest { OrderId = orderId, AmountCents = invoice.AmountCents }, cancellationToken: cancellation);
            await hub.Clients.All.SendAsync("placed", orderId, charged.Receipt, cancellation);
            return new OrderPlaced(orderId, invoice.AmountCents, charged.Receipt, context.Connection.RemoteIpAddress?.ToString(), invoice.Caller, charged.Caller);
        });
        app.MapHub<OrdersHub>("/hubs/orders");
        return app;
    }
}

/// <summary>Billing's HTTP API, as a typed client.</summary>
public sealed class BillingClient(HttpClient http)
{
    public async Task<BillingInvoice> GetInvoiceAsync(string orderId, CancellationToken cancellationToken) =>
        await http.GetFromJsonAsync<BillingInvoice>($"invoices/{Uri.EscapeDataString(orderId)}", cancellationToken)
            ?? throw new InvalidOperationException($"Billing answered no invoice for {orderId}.");
}

/// <summary>Billing's invoice, as Orders reads it.</summary>
public sealed record BillingInvoice(string OrderId, long AmountCents, string? Caller);

/// <summary>
/// What <c>POST /orders/{orderId}</c> answers: the order, and the address each hop saw its caller
/// come from (Orders its client's, Billing Orders' over HTTP and over gRPC).
/// </summary>
public sealed record OrderPlaced(string OrderId, long AmountCents, string Receipt, string? OrdersCaller, string? InvoiceCaller, string? ChargeCaller);

/// <summary>What <c>GET /orders/{orderId}</c> answers: the order, and the address each hop saw its caller come from.</summary>
public sealed record OrderView(string OrderId, long AmountCents, string? OrdersCaller, string? InvoiceCaller);

/// <summary>Tells its clients of every order placed (<c>placed(orderId, receipt)</c>).</summary>
public sealed class OrdersHub : Hub;
