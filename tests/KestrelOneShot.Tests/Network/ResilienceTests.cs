using System.Diagnostics;
using System.Threading.Channels;

using KestrelOneShot.InMemory;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

using Orders;

using Polly.CircuitBreaker;

namespace KestrelOneShot.Tests.Network;

/// <summary>
/// Orders' typed client to Billing under Microsoft.Extensions.Http.Resilience's standard handler,
/// against faults on the link orders -> billing, in virtual time: a FakeTimeProvider is the app's
/// TimeProvider (the policies' and the faults' clock), so the policies' seconds pass at once.
/// </summary>
public sealed class ResilienceTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AResetMidResponseIsRetriedOnceTheLinkHeals()
    {
        await using var fixture = await Fixture.StartAsync();
        fixture.Link.ToClient = new NetworkConditions { ResetAfterBytes = 20 };

        var call = fixture.Billing.GetInvoiceAsync("r-1", Cancellation);
        var first = await fixture.NextAttemptAsync();
        fixture.Link.Heal();
        await fixture.Time.AdvancePastTimerAsync(fixture.Options.Retry.Delay);

        Assert.Equal(Billing.Program.PriceOf("r-1"), (await call.Within()).AmountCents);
        // What a socket's reset at the same byte gives an HttpClient: the connection's IOException inside an HttpRequestException.
        var failure = Assert.IsType<HttpRequestException>(first.Failure);
        var onASocket = await SocketReset.AfterResponseBytesAsync(20);
        Assert.Equal(onASocket.HttpRequestError, failure.HttpRequestError);
        Assert.IsAssignableFrom<IOException>(failure.InnerException);
        Assert.IsAssignableFrom<IOException>(onASocket.InnerException);
        fixture.Report("reset mid-response, retried");
    }

    [Fact]
    public async Task AStalledResponseTimesTheAttemptOutAndTheRetrySucceeds()
    {
        await using var fixture = await Fixture.StartAsync();
        fixture.Link.ToClient = new NetworkConditions { StallAfterBytes = 20 };

        var call = fixture.Billing.GetInvoiceAsync("s-1", Cancellation);
        await fixture.Time.AdvancePastTimerAsync(fixture.Options.AttemptTimeout.Timeout);
        var first = await fixture.NextAttemptAsync();
        fixture.Link.Heal();
        await fixture.Time.AdvancePastTimerAsync(fixture.Options.Retry.Delay);

        Assert.Equal(Billing.Program.PriceOf("s-1"), (await call.Within()).AmountCents);
        // Cancelled by the attempt timeout, wherever in the handler the cancellation found it.
        Assert.IsAssignableFrom<OperationCanceledException>(first.Failure);
        fixture.Report("stall, attempt timeout, retried");
    }

    [Fact]
    public async Task APartitionOpensTheCircuitAndItClosesAfterTheLinkHeals()
    {
        // Retries at once, so each refused call is two refused attempts without a wait.
        await using var fixture = await Fixture.StartAsync(options => options.Retry.Delay = TimeSpan.Zero);
        fixture.Link.RefusesConnections = true;

        // One call, two attempts, both refused as by a closed port: enough to break the circuit.
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => fixture.Billing.GetInvoiceAsync("p-1", Cancellation)).Within();
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);

        await Assert.ThrowsAsync<BrokenCircuitException>(() => fixture.Billing.GetInvoiceAsync("p-1", Cancellation)).Within();
        fixture.Link.Heal();
        // Still open until the break has passed on the clock; then a trial call closes it.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => fixture.Billing.GetInvoiceAsync("p-1", Cancellation)).Within();
        fixture.Time.Advance(fixture.Options.CircuitBreaker.BreakDuration);

        Assert.Equal(Billing.Program.PriceOf("p-1"), (await fixture.Billing.GetInvoiceAsync("p-1", Cancellation).Within()).AmountCents);
        Assert.Equal(Billing.Program.PriceOf("p-2"), (await fixture.Billing.GetInvoiceAsync("p-2", Cancellation).Within()).AmountCents);
        fixture.Report("partition, circuit opened and closed");
    }

    /// <summary>The sample system with Orders' Billing client under the standard handler, and the clocks to drive it.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly Channel<Attempt> _attempts = Channel.CreateUnbounded<Attempt>();
        private readonly Stopwatch _real = Stopwatch.StartNew();
        private readonly DateTimeOffset _virtualStart;
        private SampleSystem _system = null!;
        private Action<HttpStandardResilienceOptions>? _tweak;

        private Fixture()
        {
            _virtualStart = Time.GetUtcNow();
        }

        public VirtualClock Time { get; } = new();

        /// <summary>The standard handler's defaults, for the waits the test advances past: retry delay, attempt timeout, break duration (it changes none of those).</summary>
        public HttpStandardResilienceOptions Options { get; } = new();

        public BillingClient Billing { get; private set; } = null!;

        public InMemoryLink Link { get; private set; } = null!;

        public static async Task<Fixture> StartAsync(Action<HttpStandardResilienceOptions>? tweak = null)
        {
            var fixture = new Fixture { _tweak = tweak };
            fixture._system = await SampleSystem.StartAsync((app, services) =>
            {
                if (app == "orders")
                {
                    services.AddSingleton<TimeProvider>(fixture.Time);
                    services.AddHttpClient<BillingClient>()
                        .AddStandardResilienceHandler(fixture.Configure)
                        .Services.AddHttpClient<BillingClient>()
                        .AddHttpMessageHandler(() => new AttemptRecorder(fixture));
                }
            });
            fixture.Billing = fixture._system.ServicesOf(fixture._system.Orders).GetRequiredService<BillingClient>();
            fixture.Link = fixture._system.Network.Link(fixture._system.Orders, fixture._system.Billing);
            fixture._real.Restart();
            return fixture;
        }

        public async Task<Attempt> NextAttemptAsync() => await _attempts.Reader.ReadAsync(Cancellation).AsTask().Within();

        /// <summary>Real time against virtual time, for the note: reported, never asserted.</summary>
        public void Report(string what) =>
            TestContext.Current.TestOutputHelper?.WriteLine($"{what}: {_real.Elapsed.TotalMilliseconds:F0} ms real, {(Time.GetUtcNow() - _virtualStart).TotalSeconds:F0} s virtual");

        public ValueTask DisposeAsync() => _system.DisposeAsync();

        private void Configure(HttpStandardResilienceOptions options)
        {
            options.Retry.MaxRetryAttempts = 1;
            options.Retry.UseJitter = false;
            options.CircuitBreaker.MinimumThroughput = 2;
            options.CircuitBreaker.FailureRatio = 0.5;
            _tweak?.Invoke(options);
        }

        /// <summary>Below the standard handler: sees how each attempt ended.</summary>
        private sealed class AttemptRecorder(Fixture fixture) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                try
                {
                    var response = await base.SendAsync(request, cancellationToken);
                    fixture._attempts.Writer.TryWrite(new Attempt(null));
                    return response;
                }
                catch (Exception failure)
                {
                    fixture._attempts.Writer.TryWrite(new Attempt(failure));
                    throw;
                }
            }
        }
    }

    private sealed record Attempt(Exception? Failure);
}
