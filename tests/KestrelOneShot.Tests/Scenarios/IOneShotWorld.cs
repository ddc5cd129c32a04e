using System.Net;

namespace KestrelOneShot.Tests.Scenarios;

/// <summary>
/// Where a scenario runs: the built app as a process over real sockets, or the same host in memory.
/// Scenarios are written once against this and run in both worlds.
/// </summary>
public interface IOneShotWorld
{
    /// <summary>Starts a server and returns once it listens, or once its run has already ended.</summary>
    Task<IServerUnderTest> StartAsync(params string[] args);
}

public interface IServerUnderTest : IAsyncDisposable
{
    /// <summary>The endpoints of the ready line; empty when the run ended before listening.</summary>
    IReadOnlyList<EndPoint> EndPoints { get; }

    Task<IClientUnderTest> ConnectAsync(EndPoint endpoint);

    /// <summary>Waits, bounded, for the run's end.</summary>
    Task<RunEnd> ExitAsync();
}

public interface IClientUnderTest : IAsyncDisposable
{
    /// <summary>The client's own end, as the server sees it as its remote endpoint.</summary>
    EndPoint LocalEndPoint { get; }

    Task SendAsync(ReadOnlyMemory<byte> bytes);

    /// <summary>Ends the client's output (a TCP half-close): the server's end of input.</summary>
    Task EndOutputAsync();

    /// <summary>Everything until the server closes, and whether it closed with a reset.</summary>
    Task<ClientAnswer> ReadToEndAsync();

    /// <summary>The connection as a <see cref="Stream"/>, for a TLS client on top.</summary>
    Stream AsStream();
}

/// <param name="Stderr">Every line the run wrote to stderr: log lines and one-line errors.</param>
public sealed record RunEnd(int ExitCode, string Stdout, IReadOnlyList<string> Stderr);
