using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

using KestrelOneShot.InMemory.Internal;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.InMemory;

/// <summary>
/// A transport with no sockets: Kestrel binds its endpoints here (<see cref="IConnectionListenerFactory"/>)
/// and tests connect to them (<see cref="IConnectionFactory"/>). Each instance is its own network, so
/// tests running in parallel never compete for ports. Apps join it under names
/// (<see cref="AddHost"/>), each at an address of its own; an app that joins without a name binds
/// as on this machine (127.0.0.1, ::1, any), where the test's own connections come from.
/// </summary>
public sealed class InMemoryTransport : IConnectionListenerFactory, IConnectionFactory
{
    private readonly ConcurrentDictionary<EndPoint, InMemoryConnectionListener> _listeners = new();
    private readonly Lock _hostsLock = new();
    private readonly Dictionary<string, InMemoryHost> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<InMemoryHost> _hosts = [];
    private readonly ConcurrentDictionary<(InMemoryHost? From, InMemoryHost To), InMemoryLink> _links = new();
    private int _nextPort = 32768;
    private long _binds;
    private TaskCompletionSource _accepting = CompletedGate();

    /// <summary>
    /// Bytes held in each direction before the writer waits: what a loopback socket pair and Kestrel's
    /// socket transport hold together (megabytes), so a client that sends a whole request body
    /// before it reads the response (HttpClient over HTTP/1.1) is not stalled where a socket is not.
    /// </summary>
    public const long DefaultBufferSize = 4 * 1024 * 1024;

    /// <summary>Bytes held in each direction of a new connection before its writer waits (at least 1).</summary>
    public long BufferSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = DefaultBufferSize;

    /// <summary>How the bytes clients send reach the server, for every connection that does not say otherwise.</summary>
    public NetworkConditions? ToServer { get; set; }

    /// <summary>How the bytes the server sends reach clients, for every connection that does not say otherwise.</summary>
    public NetworkConditions? ToClient { get; set; }

    /// <summary>
    /// False holds every connect unaccepted, as a server whose accept queue is not being served: the
    /// connect neither completes nor fails until this is true again, the connect is cancelled, or
    /// the endpoint is unbound (then it is refused).
    /// </summary>
    public bool AcceptsConnections
    {
        get => _accepting.Task.IsCompleted;
        set
        {
            if (value)
            {
                _accepting.TrySetResult();
            }
            else if (_accepting.Task.IsCompleted)
            {
                _accepting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>The hosts added so far, in the order they were added.</summary>
    public IReadOnlyList<InMemoryHost> Hosts
    {
        get
        {
            lock (_hostsLock)
            {
                return [.. _hosts];
            }
        }
    }

    /// <summary>
    /// Adds a host to the network under <paramref name="name"/> (and <paramref name="aliases"/>), with
    /// the next address of its own; give it to the app (<c>services.AddInMemoryTransport(host)</c>,
    /// <c>factory.WithInMemoryKestrel(host)</c>). Names are case-insensitive, unique in the network,
    /// and neither <c>localhost</c> nor an address.
    /// </summary>
    public InMemoryHost AddHost(string name, params IEnumerable<string> aliases)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(aliases);
        string[] names = [name, .. aliases];
        lock (_hostsLock)
        {
            foreach (var candidate in names)
            {
                if (candidate.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(candidate, out _) || Uri.CheckHostName(candidate) != UriHostNameType.Dns)
                {
                    throw new ArgumentException($"'{candidate}' cannot name a host: use a DNS name other than localhost.", nameof(name));
                }

                if (_names.TryGetValue(candidate, out var taken))
                {
                    throw new ArgumentException($"'{candidate}' already names {taken} in this in-memory network.", nameof(name));
                }
            }

            // 127.0.0.1 is the machine the test runs on; hosts take the loopback addresses after it.
            var host = new InMemoryHost(this, names, new IPAddress([127, 0, (byte)((_hosts.Count + 2) >> 8), (byte)((_hosts.Count + 2) & 0xFF)]));
            _hosts.Add(host);
            foreach (var candidate in names)
            {
                _names.Add(candidate, host);
            }

            return host;
        }
    }

    /// <summary>
    /// The link from <paramref name="from"/> (null: the test, this machine) to <paramref name="to"/>,
    /// whose faults the test sets and heals while it runs; the same link each time it is asked for.
    /// </summary>
    public InMemoryLink Link(InMemoryHost? from, InMemoryHost to)
    {
        ArgumentNullException.ThrowIfNull(to);
        return _links.GetOrAdd((from, to), key => new InMemoryLink(key.From, key.To));
    }

    /// <summary>The endpoints bound right now, in the order they were bound.</summary>
    public IReadOnlyList<EndPoint> BoundEndPoints =>
        [.. _listeners.Values.OrderBy(l => l.BindOrder).Select(l => l.EndPoint)];

    /// <summary>Binds <paramref name="endpoint"/> in this transport (port 0: a port of its own choosing); Kestrel calls it.</summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        BindAsync(endpoint, host: null, cancellationToken);

    internal ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, InMemoryHost? host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (host is not null)
        {
            try
            {
                endpoint = host.Own(endpoint);
            }
            catch (SocketException notOurs)
            {
                return ValueTask.FromException<IConnectionListener>(notOurs);
            }
        }

        if (endpoint is IPEndPoint { Port: 0 } dynamic)
        {
            endpoint = new IPEndPoint(dynamic.Address, Interlocked.Increment(ref _nextPort));
        }

        var listener = new InMemoryConnectionListener(endpoint, host, l => _listeners.TryRemove(new KeyValuePair<EndPoint, InMemoryConnectionListener>(l.EndPoint, l)), () => _accepting.Task, () => PipeOptionsFor(BufferSize), Interlocked.Increment(ref _binds));
        if (!_listeners.TryAdd(endpoint, listener))
        {
            throw new AddressInUseException($"{endpoint} is already bound in this in-memory transport (bound: {BoundList()}).");
        }

        return new ValueTask<IConnectionListener>(listener);
    }

    /// <summary>Connects to a bound endpoint; completes when the server accepts the connection.</summary>
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        await ConnectInMemoryAsync(endpoint, cancellationToken);

    /// <inheritdoc cref="ConnectAsync"/>
    public ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        ConnectInMemoryAsync(endpoint, ToServer, ToClient, cancellationToken);

    /// <summary>
    /// Connects with conditions of its own for each direction (null: as written). The endpoint is
    /// found as the kernel would find it: a loopback address also reaches a listener bound on any
    /// address of its family (<c>0.0.0.0</c>, or <c>[::]</c>, which takes IPv4 too), and
    /// <c>localhost</c> is 127.0.0.1, then ::1. With no listener there, the connect is refused at once
    /// with a <see cref="SocketException"/> that names the endpoint and what is bound.
    /// </summary>
    public ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, NetworkConditions? toServer, NetworkConditions? toClient, CancellationToken cancellationToken) =>
        ConnectInMemoryAsync(endpoint, from: null, toServer, toClient, cancellationToken);

    /// <summary>
    /// A connect from <paramref name="from"/> (null: from this machine, as the test's own). A host
    /// name is found here, as a container network's DNS finds it; one the network does not know
    /// fails at once, naming the names it knows.
    /// </summary>
    internal ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, InMemoryHost? from, NetworkConditions? toServer, NetworkConditions? toClient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (Resolve(endpoint, from) is not { } resolved)
        {
            return ValueTask.FromException<InMemoryConnection>(new SocketException(
                (int)SocketError.HostNotFound,
                $"No such host: '{((DnsEndPoint)endpoint).Host}' is not a name in this in-memory network; names: {NameList()}; bound: {BoundList()}."));
        }

        foreach (var candidate in Candidates(resolved))
        {
            if (_listeners.TryGetValue(candidate, out var listener))
            {
                if (listener.Host is not { } to || !_links.TryGetValue((from, to), out var link))
                {
                    return listener.ConnectAsync(resolved as IPEndPoint, from?.Address, DirectionConditions.Fixed(toServer), DirectionConditions.Fixed(toClient), cancellationToken);
                }

                if (link.RefusesConnections)
                {
                    return ValueTask.FromException<InMemoryConnection>(new SocketException(
                        (int)SocketError.ConnectionRefused, $"Connection refused: the link {link} is partitioned (RefusesConnections)."));
                }

                return listener.ConnectAsync(resolved as IPEndPoint, from?.Address, DirectionConditions.Of(link, toServer: true, toServer), DirectionConditions.Of(link, toServer: false, toClient), cancellationToken);
            }
        }

        return ValueTask.FromException<InMemoryConnection>(new SocketException(
            (int)SocketError.ConnectionRefused,
            $"Connection refused: no listener on {Describe(endpoint)} in this in-memory transport; bound: {BoundList()}."));
    }

    /// <summary>
    /// A host's name as its address; <c>localhost</c> and 127.0.0.1 as the caller's own address when
    /// the caller is a host (its loopback is its own). Null for a name the network does not know.
    /// </summary>
    private EndPoint? Resolve(EndPoint endpoint, InMemoryHost? from)
    {
        var itself = endpoint switch
        {
            DnsEndPoint dns when dns.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase) => dns.Port,
            IPEndPoint ip when ip.Address.Equals(IPAddress.Loopback) => ip.Port,
            _ => (int?)null,
        };
        if (from is not null && itself is { } ownPort)
        {
            return new IPEndPoint(from.Address, ownPort);
        }

        if (endpoint is not DnsEndPoint { Host: var name, Port: var port } || IPAddress.TryParse(name, out _) || name.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return endpoint;
        }

        lock (_hostsLock)
        {
            return _names.TryGetValue(name, out var host) ? new IPEndPoint(host.Address, port) : null;
        }
    }

    /// <summary>
    /// An <see cref="HttpMessageHandler"/> whose connections are made in this transport: a real
    /// <see cref="SocketsHttpHandler"/> (HTTP/1.1, HTTP/2, TLS with ALPN, WebSockets) that connects to
    /// the request's host and port here instead of on a socket.
    /// </summary>
    /// <param name="trustedRoot">
    /// For HTTPS: the one root the server's certificate must chain to (for example a certificate the
    /// test made); null leaves the system's validation in place.
    /// </param>
    public SocketsHttpHandler CreateHandler(X509Certificate2? trustedRoot = null) => CreateHandlerFrom(from: null, trustedRoot);

    /// <summary>
    /// How a <see cref="SocketsHttpHandler"/> connects through this network from the test (not from
    /// an app: see <see cref="InMemoryHost.ConnectCallback"/>).
    /// </summary>
    public Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback => field ??= ConnectCallbackFrom(null);

    /// <remarks>
    /// A refused connect or an unknown name fails with the <see cref="SocketException"/> a socket's
    /// connect or DNS would give, which the handler classifies as it does those
    /// (<see cref="HttpRequestError.ConnectionError"/>, <see cref="HttpRequestError.NameResolutionError"/>).
    /// </remarks>
    internal Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallbackFrom(InMemoryHost? from) =>
        async (context, cancellationToken) =>
            (await ConnectInMemoryAsync(context.DnsEndPoint, from, ToServer, ToClient, cancellationToken)).AsStream();

    internal SocketsHttpHandler CreateHandlerFrom(InMemoryHost? from, X509Certificate2? trustedRoot)
    {
        // No proxy: a system proxy (HTTP_PROXY) would be dialled here in place of the host asked for.
        var handler = new SocketsHttpHandler { ConnectCallback = from?.ConnectCallback ?? ConnectCallback, UseProxy = false };
        if (trustedRoot is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is X509Certificate2 server && TlsClientHandshake.ChainsTo(server, trustedRoot);
        }

        return handler;
    }

    /// <summary>
    /// An <see cref="HttpClient"/> over <see cref="CreateHandler"/>. With no base address, the first
    /// endpoint bound here (as <c>http://</c>; Kestrel binds in the order the app declares them).
    /// HTTP/2 with prior knowledge that fails in cleartext says why (Kestrel needs an Http2-only endpoint).
    /// </summary>
    public HttpClient CreateClient(Uri? baseAddress = null, X509Certificate2? trustedRoot = null) =>
        new(new CleartextHttp2Hint(CreateHandler(trustedRoot)), disposeHandler: true)
        {
            BaseAddress = baseAddress ?? FirstBoundAddress(),
        };

    internal static PipeOptions PipeOptionsFor(long bufferSize) =>
        new(pauseWriterThreshold: bufferSize, resumeWriterThreshold: Math.Max(1, bufferSize / 2), useSynchronizationContext: false);

    private Uri FirstBoundAddress() =>
        BoundEndPoints is [IPEndPoint first, ..]
            ? new Uri($"http://{Describe(first)}/")
            : throw new InvalidOperationException("Nothing is bound in this in-memory transport yet: start the server first, or give a base address.");

    private static IEnumerable<EndPoint> Candidates(EndPoint endpoint)
    {
        switch (endpoint)
        {
            case DnsEndPoint { Host: var host, Port: var port } when IPAddress.TryParse(host, out var address):
                return Candidates(new IPEndPoint(address, port));
            case DnsEndPoint { Host: var host, Port: var port } when host.Equals("localhost", StringComparison.OrdinalIgnoreCase):
                return [.. Candidates(new IPEndPoint(IPAddress.Loopback, port)), .. Candidates(new IPEndPoint(IPAddress.IPv6Loopback, port))];
            case IPEndPoint { Address: var address, Port: var port } when IPAddress.IsLoopback(address):
                return address.AddressFamily == AddressFamily.InterNetwork
                    ? [endpoint, new IPEndPoint(IPAddress.Any, port), new IPEndPoint(IPAddress.IPv6Any, port)]
                    : [endpoint, new IPEndPoint(IPAddress.IPv6Any, port)];
            default:
                return [endpoint];
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        _ => endpoint.ToString() ?? "?",
    };

    private string NameList()
    {
        lock (_hostsLock)
        {
            return string.Join(", ", _hosts.Select(host => host.ToString()).Append("localhost"));
        }
    }

    private string BoundList() =>
        BoundEndPoints.Count == 0 ? "nothing" : string.Join(", ", BoundEndPoints.Select(Describe));

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
