using System.Globalization;
using System.Net;

// One POST: its body printed as the one-shot prints a message, the answer sent, then the host stops.
var builder = WebApplication.CreateSlimBuilder(args);
var port = int.Parse(builder.Configuration["port"] ?? "9999", CultureInfo.InvariantCulture);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/", async (HttpContext context) =>
{
    using var reader = new StreamReader(context.Request.Body);
    var message = await reader.ReadToEndAsync(context.RequestAborted);
    Console.WriteLine($"The message was: {message.TrimEnd('\n')}");
    context.Response.OnCompleted(() =>
    {
        app.Lifetime.StopApplication();
        return Task.CompletedTask;
    });
    context.Response.Headers.Connection = "close";
    context.Response.ContentType = "text/plain; charset=utf-8";
    context.Response.ContentLength = 20; // As the one-shot answers: a length, not chunks.
    await context.Response.WriteAsync("Good talking to you\n", context.RequestAborted);
});
await app.RunAsync();
