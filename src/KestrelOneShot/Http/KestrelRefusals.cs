using System.Collections.Concurrent;

using Microsoft.Extensions.Logging;

namespace KestrelOneShot.Http;

/// <summary>
/// Why Kestrel refused a connection's request, by connection id. Kestrel says so only in its own
/// debug log (<c>BadRequests</c> event 17, <c>Http2</c> events 29 to 31: connection, stream and HPACK errors), so this provider listens
/// to exactly those, whatever the configured levels (a filter rule of its own), and
/// <see cref="HttpDispatchMiddleware"/> takes the reason when the connection ends.
/// </summary>
internal sealed class KestrelRefusals : ILoggerProvider
{
    public const string BadRequestsCategory = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    public const string Http2Category = "Microsoft.AspNetCore.Server.Kestrel.Http2";

    private readonly ConcurrentDictionary<string, string> _reasons = new();

    /// <summary>The reason Kestrel gave for <paramref name="connectionId"/>, if any, forgotten once taken.</summary>
    public string? Take(string connectionId) => _reasons.TryRemove(connectionId, out var reason) ? reason : null;

    public ILogger CreateLogger(string categoryName) =>
        categoryName is BadRequestsCategory or Http2Category ? new Listener(this) : Silent.Instance;

    public void Dispose()
    {
    }

    private void Note(EventId eventId, IReadOnlyList<KeyValuePair<string, object?>> state, Exception? exception)
    {
        if (eventId.Id is not (17 or 29 or 30 or 31))
        {
            return;
        }

        string? connectionId = null;
        foreach (var (key, value) in state)
        {
            if (key == "ConnectionId")
            {
                connectionId = value as string;
            }
            else if (key == "TraceIdentifier" && value is string trace && connectionId is null)
            {
                // A stream error names the request ("<connection id>:<stream>").
                connectionId = trace.Split(':')[0];
            }
        }

        if (connectionId is not null)
        {
            // The first reason is the cause; what follows is its consequence.
            _reasons.TryAdd(connectionId, exception?.Message ?? state.ToString() ?? "refused");
        }
    }

    private sealed class Listener(KestrelRefusals owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                owner.Note(eventId, values, exception);
            }
        }
    }

    private sealed class Silent : ILogger
    {
        public static Silent Instance { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => false;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
