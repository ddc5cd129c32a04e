using System.Net;
using System.Net.Sockets;

using KestrelOneShot.InMemory;

namespace KestrelOneShot.Tests.Network;

/// <summary>What a host binds: every address of its own is its one address, as in a container without IPv6.</summary>
public sealed class InMemoryHostTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("billing")]
    [InlineData("billing.internal")]
    [InlineData("localhost")]
    [InlineData("0.0.0.0")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.3")]
    public async Task ItsNamesAndItsAnyAndLoopbackAddressesAllBindItsOwnAddress(string asked)
    {
        var network = new InMemoryTransport();
        network.AddHost("orders");
        var billing = network.AddHost("billing", "billing.internal");
        EndPoint endpoint = IPAddress.TryParse(asked, out var address) ? new IPEndPoint(address, 80) : new DnsEndPoint(asked, 80);

        await using var listener = await billing.BindAsync(endpoint, Cancellation);

        Assert.Equal(new IPEndPoint(billing.Address, 80), listener.EndPoint);
        Assert.Equal(IPAddress.Parse("127.0.0.3"), billing.Address);
    }

    [Theory]
    [InlineData("orders", SocketError.AddressNotAvailable)]
    [InlineData("10.0.0.1", SocketError.AddressNotAvailable)]
    [InlineData("::", SocketError.AddressFamilyNotSupported)]
    [InlineData("::1", SocketError.AddressFamilyNotSupported)]
    public async Task AnotherHostsNameOrAddressOrIPv6IsNotItsToBind(string asked, SocketError error)
    {
        var network = new InMemoryTransport();
        network.AddHost("orders");
        var billing = network.AddHost("billing");
        EndPoint endpoint = IPAddress.TryParse(asked, out var address) ? new IPEndPoint(address, 80) : new DnsEndPoint(asked, 80);

        var refused = await Assert.ThrowsAsync<SocketException>(() => billing.BindAsync(endpoint, Cancellation).AsTask());

        Assert.Equal(error, refused.SocketErrorCode);
        Assert.Empty(network.BoundEndPoints);
    }
}
