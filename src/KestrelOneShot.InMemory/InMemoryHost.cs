using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

using Microsoft.AspNetCore.Connections;

namespace KestrelOneShot.InMemory;

/// <summary>
/// An app's place on an <see cref="InMemoryTransport"/>: one or more host names and an address of its
/// own (127.0.0.2, 127.0.0.3, … in the order hosts are added), as a container network gives each
/// service a name and an IP. Every endpoint the app binds is bound at that address, so apps on one
/// network can all listen on 8080 (<c>ListenAnyIP</c>, <c>http://*:8080</c>,
/// <c>ASPNETCORE_HTTP_PORTS=8080</c>, <c>localhost</c>); others reach it by name
/// (<c>http://orders:8080</c>) or by address, and see its connections come from that address.
/// </summary>
/// <remarks>
/// The host has no IPv6 address, as a container without IPv6: Kestrel then binds <c>[::]</c> as
/// <c>0.0.0.0</c> and skips <c>::1</c> for <c>localhost</c>. Inside the app, <c>localhost</c> and
/// 127.0.0.1 mean the app itself.
/// </remarks>
public sealed class InMemoryHost : IConnectionListenerFactory
{
    internal InMemoryHost(InMemoryTransport network, IReadOnlyList<string> names, IPAddress address)
    {
        Network = network;
        Names = names;
        Address = address;
        ConnectCallback = network.ConnectCallbackFrom(this);
    }

    /// <summary>The network the host is on.</summary>
    public InMemoryTransport Network { get; }

    /// <summary>The host's first name.</summary>
    public string Name => Names[0];

    /// <summary>Every name that reaches the host, the first one first.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The host's own address: where its endpoints are bound and where its connections come from.</summary>
    public IPAddress Address { get; }

    /// <summary>
    /// How a <see cref="SocketsHttpHandler"/> in this app connects through the network
    /// (<see cref="SocketsHttpHandler.ConnectCallback"/>): give it to a handler that something else
    /// builds, such as YARP's forwarder, to keep that handler's own settings.
    /// </summary>
    public Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback { get; }

    /// <summary>Binds <paramref name="endpoint"/> at the host's address (port 0: a port of the network's choosing); Kestrel calls it.</summary>
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        Network.BindAsync(endpoint, this, cancellationToken);

    /// <summary>Connects from this host, as the app's own outbound connections do.</summary>
    public ValueTask<InMemoryConnection> ConnectInMemoryAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        Network.ConnectInMemoryAsync(endpoint, this, Network.ToServer, Network.ToClient, cancellationToken);

    /// <summary>A <see cref="SocketsHttpHandler"/> whose connections come from this host (see <see cref="InMemoryTransport.CreateHandler"/>).</summary>
    public SocketsHttpHandler CreateHandler(X509Certificate2? trustedRoot = null) => Network.CreateHandlerFrom(this, trustedRoot);

    /// <summary>The endpoint the app asked for, at the host's own address; other addresses are not the host's to bind.</summary>
    internal IPEndPoint Own(EndPoint endpoint)
    {
        var (address, port) = endpoint switch
        {
            IPEndPoint ip => (ip.Address, ip.Port),
            DnsEndPoint dns when IsOwnName(dns.Host) => (Address, dns.Port),
            DnsEndPoint dns => (IPAddress.TryParse(dns.Host, out var parsed) ? parsed : null, dns.Port),
            _ => (null, 0),
        };
        if (address is not null && address.AddressFamily == AddressFamily.InterNetworkV6 && (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)))
        {
            throw new SocketException((int)SocketError.AddressFamilyNotSupported, $"{this} has no IPv6 address in this in-memory network.");
        }

        if (address is null || !(address.Equals(Address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.Loopback)))
        {
            throw new SocketException((int)SocketError.AddressNotAvailable, $"{endpoint} is not an address of {this} in this in-memory network.");
        }

        return new IPEndPoint(Address, port);
    }

    internal bool IsOwnName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || Names.Contains(host, StringComparer.OrdinalIgnoreCase);

    /// <summary>The first name and the address: <c>orders (127.0.0.2)</c>.</summary>
    public override string ToString() => $"{Name} ({Address})";
}
