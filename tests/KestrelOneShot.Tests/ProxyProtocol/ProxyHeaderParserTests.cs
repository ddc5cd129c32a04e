using System.Buffers;
using System.Net;
using System.Text;

using FsCheck;
using FsCheck.Fluent;

using KestrelOneShot.ProxyProtocol;

namespace KestrelOneShot.Tests.ProxyProtocol;

public sealed class ProxyHeaderParserTests
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    // The examples of the specification's section 2.1, and the longest line it allows.
    public static TheoryData<string, string?, string?> V1Examples => new()
    {
        { "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", "255.255.255.255:65535", "255.255.255.255:65535" },
        { "PROXY TCP6 ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".Replace("f...f", "ffff:ffff:ffff:ffff:ffff:ffff", StringComparison.Ordinal), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
        { "PROXY UNKNOWN\r\n", null, null },
        { "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n".Replace("f...f", "ffff:ffff:ffff:ffff:ffff:ffff", StringComparison.Ordinal), null, null },
        { "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", "192.168.0.1:56324", "192.168.0.11:443" },
        { "PROXY TCP6 ::1 ::1 40000 9999\r\n", "[::1]:40000", "[::1]:9999" },
    };

    [Theory]
    [MemberData(nameof(V1Examples))]
    public void ParsesTheSpecificationsV1Examples(string line, string? source, string? destination)
    {
        var (status, header, consumed, _) = Parse(Encoding.ASCII.GetBytes(line + "hello"));

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(1, header!.Version);
        Assert.Equal(ProxyCommand.Proxy, header.Command);
        Assert.Equal(source, header.Source?.ToString());
        Assert.Equal(destination, header.Destination?.ToString());
        Assert.Equal(line.Length, consumed); // "hello" stays for the handler.
    }

    [Fact]
    public void ParsesAV2ProxyHeaderForIPv4WithTlvs()
    {
        byte[] header = [.. V2Signature, 0x21, 0x11, 0x00, 12 + 7, 127, 0, 0, 1, 10, 0, 0, 2, 0x9C, 0x40, 0x27, 0x0F, 0x04, 0x00, 0x04, (byte)'a', (byte)'b', (byte)'c', (byte)'d'];

        var (status, parsed, consumed, _) = Parse([.. header, .. "data"u8]);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(new ProxyHeader(2, ProxyCommand.Proxy, IPEndPoint.Parse("127.0.0.1:40000"), IPEndPoint.Parse("10.0.0.2:9999"), parsed!.Tlvs), parsed);
        var tlv = Assert.Single(parsed.Tlvs);
        Assert.Equal((byte)0x04, tlv.Type);
        Assert.Equal("abcd"u8.ToArray(), tlv.Value);
        Assert.Equal(header.Length, consumed);
    }

    [Fact]
    public void ParsesAV2ProxyHeaderForIPv6()
    {
        var source = IPAddress.Parse("2001:db8::1").GetAddressBytes();
        var destination = IPAddress.IPv6Loopback.GetAddressBytes();
        byte[] header = [.. V2Signature, 0x21, 0x21, 0x00, 36, .. source, .. destination, 0x00, 0x50, 0x01, 0xBB];

        var (status, parsed, _, _) = Parse(header);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal("[2001:db8::1]:80", parsed!.Source!.ToString());
        Assert.Equal("[::1]:443", parsed.Destination!.ToString());
    }

    [Fact]
    public void ParsesAV2LocalHeaderAndIgnoresItsAddresses()
    {
        byte[] header = [.. V2Signature, 0x20, 0x11, 0x00, 12, 127, 0, 0, 1, 127, 0, 0, 1, 0, 1, 0, 2];

        var (status, parsed, consumed, _) = Parse(header);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(ProxyCommand.Local, parsed!.Command);
        Assert.Null(parsed.Source);
        Assert.Equal(header.Length, consumed);
    }

    [Theory]
    [InlineData(0x11, 0)]
    [InlineData(0x11, 11)]
    [InlineData(0x21, 12)]
    [InlineData(0x00, 7)]
    public void AV2LocalHeaderIsReadWhateverItsFamilyAndLength(byte family, byte length)
    {
        // The specification: a receiver ignores a LOCAL header's family and skips its length.
        byte[] header = [.. V2Signature, 0x20, family, 0x00, length, .. new byte[length]];

        var (status, parsed, consumed, _) = Parse([.. header, .. "after"u8]);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(ProxyCommand.Local, parsed!.Command);
        Assert.Equal(header.Length, consumed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void AV2HeaderWhoseCrc32CIsNotFourBytesIsRejected(int length)
    {
        byte[] header = [.. V2Signature, 0x21, 0x11, 0x00, (byte)(12 + 3 + length), 127, 0, 0, 1, 10, 0, 0, 2, 0x9C, 0x40, 0x27, 0x0F, ProxyTlvTypes.Crc32C, 0x00, (byte)length, .. new byte[length]];

        Assert.Equal((ProxyParseStatus.Invalid, $"v2 header has a CRC32C TLV of {length} bytes, not 4"), ParseStatusAndError(header));
    }

    [Theory]
    [InlineData(0x10)]
    [InlineData(0x20)]
    [InlineData(0x30)]
    public void AV2AddressFamilyOverAnUnspecTransportLeavesTheConnectionsEndpoints(byte familyAndTransport)
    {
        // Family 0x20 followed directly by TLVs: reading 36 address bytes would make a client of them.
        byte[] header = [.. V2Signature, 0x21, familyAndTransport, 0x00, 7, 0x04, 0x00, 0x04, 0xFF, 0xFF, 0x01, 0x00];

        var (status, parsed, consumed, _) = Parse(header);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(header.Length, consumed);
        Assert.Equal(ProxyCommand.Proxy, parsed!.Command);
        Assert.Null(parsed.Source);
        Assert.Null(parsed.Destination);
    }

    [Fact]
    public void TheCrc32CIsTheCastagnoliChecksum() => Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void AV2HeaderWithAMatchingCrc32CIsReadAndWithAnotherIsRejected()
    {
        byte[] header = [.. V2Signature, 0x21, 0x11, 0x00, 12 + 7, 127, 0, 0, 1, 10, 0, 0, 2, 0x9C, 0x40, 0x27, 0x0F, ProxyTlvTypes.Crc32C, 0x00, 0x04, 0, 0, 0, 0];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(header.Length - 4), Crc32C.Compute(header));

        Assert.Equal(ProxyParseStatus.Complete, Parse(header).Status);
        header[^1] ^= 0x01;
        Assert.Equal((ProxyParseStatus.Invalid, "v2 header's CRC32C does not match"), ParseStatusAndError(header));
    }

    [Fact]
    public void ParsesAV2LocalHeaderWithNoAddresses()
    {
        var (status, parsed, _, _) = Parse([.. V2Signature, 0x20, 0x00, 0x00, 0x00]);

        Assert.Equal(ProxyParseStatus.Complete, status);
        Assert.Equal(ProxyCommand.Local, parsed!.Command);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("hello")]
    [InlineData("PROXZ")]
    [InlineData("\r\n\r\nX")]
    public void SaysWhenThereIsNoHeader(string start) => Assert.Equal(ProxyParseStatus.NoHeader, Parse(Encoding.ASCII.GetBytes(start)).Status);

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PROXY")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n")]
    public void WaitsForMoreWhenTheHeaderIsNotWholeYet(string start) => Assert.Equal(ProxyParseStatus.Incomplete, Parse(Encoding.ASCII.GetBytes(start)).Status);

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "v1 header ends with LF without CR")]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "v1 header has unknown protocol 'TCP5'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "v1 header has 5 fields, not 6")]
    [InlineData("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "v1 header has 7 fields, not 6")]
    [InlineData("PROXY TCP4 ::1 ::1 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", "v1 header has an address that is not TCP6")]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "v1 header has a port outside 0..65535")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "v1 header has a port outside 0..65535")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "v1 header has a port outside 0..65535")]
    [InlineData("PROXY TCP4 010.2.3.4 127.0.0.1 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP4 01.2.3.4 127.0.0.1 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP4 1.2.3.256 127.0.0.1 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP4 0x1.2.3.4 127.0.0.1 1 2\r\n", "v1 header has an address that is not TCP4")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "v1 header has an address that is not TCP6")]
    [InlineData("PROXY TCP6 fe80::1%4 ::1 1 2\r\n", "v1 header has an address that is not TCP6")]
    public void RejectsMalformedV1Headers(string line, string reason)
    {
        var (status, _, _, error) = Parse(Encoding.ASCII.GetBytes(line));

        Assert.Equal(ProxyParseStatus.Invalid, status);
        Assert.Equal(reason, error);
    }

    [Fact]
    public void RejectsAV1LineWithoutCrlfWithin107Bytes()
    {
        var line = "PROXY TCP4 " + new string('1', 200);

        Assert.Equal((ProxyParseStatus.Invalid, "v1 header has no CRLF within 107 bytes"), ParseStatusAndError(Encoding.ASCII.GetBytes(line[..107])));
        Assert.Equal(ProxyParseStatus.Incomplete, Parse(Encoding.ASCII.GetBytes(line[..106])).Status);
    }

    [Theory]
    [InlineData(new byte[] { 0x11, 0x11, 0x00, 0x0C }, "v2 header has unknown version 1")]
    [InlineData(new byte[] { 0x22, 0x11, 0x00, 0x0C }, "v2 header has unknown command 2")]
    [InlineData(new byte[] { 0x21, 0x41, 0x00, 0x0C }, "v2 header has unknown address family or transport 0x41")]
    [InlineData(new byte[] { 0x21, 0x13, 0x00, 0x0C }, "v2 header has unknown address family or transport 0x13")]
    [InlineData(new byte[] { 0x21, 0x11, 0x0F, 0xF1 }, "v2 header declares 4081 bytes, over the 4080-byte cap")]
    public void RejectsABadV2FixedPartAsSoonAsItIsRead(byte[] fixedPart, string reason) =>
        // No address bytes follow: the verdict cannot wait for them.
        Assert.Equal((ProxyParseStatus.Invalid, reason), ParseStatusAndError([.. V2Signature, .. fixedPart]));

    [Fact]
    public void RejectsAV2AddressFamilyThatDoesNotMatchTheLength() =>
        Assert.Equal(
            (ProxyParseStatus.Invalid, "v2 header is 12 bytes, too short for its address family (36)"),
            ParseStatusAndError([.. V2Signature, 0x21, 0x21, 0x00, 12, .. new byte[12]]));

    [Fact]
    public void RejectsAV2TlvThatOverrunsTheHeader() =>
        Assert.Equal(
            (ProxyParseStatus.Invalid, "v2 header has a TLV of 9 bytes that overruns the header"),
            ParseStatusAndError([.. V2Signature, 0x21, 0x11, 0x00, 12 + 4, .. new byte[12], 0x01, 0x00, 0x09, 0xFF]));

    [Fact]
    public void AHeaderSplitAtEveryByteBoundaryParsesAsWhenWhole()
    {
        var headers = new[]
        {
            Encoding.ASCII.GetBytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nmsg"),
            [.. V2Signature, 0x21, 0x11, 0x00, 12 + 5, 127, 0, 0, 1, 10, 0, 0, 2, 0x9C, 0x40, 0x27, 0x0F, 0x01, 0x00, 0x02, (byte)'h', (byte)'2', (byte)'m'],
        };
        var property = Prop.ForAll(
            Gen.Elements(headers).SelectMany(h => Gen.ListOf(Gen.Choose(0, h.Length)).Select(cuts => (Header: h, Cuts: cuts.ToArray()))).ToArbitrary(),
            sample =>
            {
                var whole = Parse(sample.Header);
                var split = Parse(Sequences.Split(sample.Header, sample.Cuts));
                return whole.Status == split.Status && whole.Consumed == split.Consumed && whole.Error == split.Error
                    && (whole.Header is null ? split.Header is null : split.Header is not null && Same(whole.Header, split.Header));
            });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
        // And every prefix of a header is either still incomplete or the header itself.
        foreach (var header in headers)
        {
            for (var length = 0; length < header.Length; length++)
            {
                Assert.Contains(Parse(header[..length]).Status, new[] { ProxyParseStatus.Incomplete, ProxyParseStatus.Complete });
            }
        }
    }

    [Fact]
    public void ArbitraryBytesNeverThrow()
    {
        var withSignatures = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[.. V2Signature, .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[.. "PROXY "u8, .. b]));
        var property = Prop.ForAll(withSignatures.ToArbitrary(), bytes => Parse(bytes).Status is >= ProxyParseStatus.Incomplete and <= ProxyParseStatus.Invalid);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), property);
    }

    private static bool Same(ProxyHeader a, ProxyHeader b) =>
        a.Version == b.Version && a.Command == b.Command && Equals(a.Source, b.Source) && Equals(a.Destination, b.Destination)
        && a.Tlvs.Count == b.Tlvs.Count && a.Tlvs.Zip(b.Tlvs).All(t => t.First.Type == t.Second.Type && t.First.Value.AsSpan().SequenceEqual(t.Second.Value));

    private static (ProxyParseStatus Status, string? Error) ParseStatusAndError(byte[] bytes)
    {
        var (status, _, _, error) = Parse(bytes);
        return (status, error);
    }

    private static (ProxyParseStatus Status, ProxyHeader? Header, long Consumed, string? Error) Parse(byte[] bytes) =>
        Parse(new ReadOnlySequence<byte>(bytes));

    private static (ProxyParseStatus Status, ProxyHeader? Header, long Consumed, string? Error) Parse(ReadOnlySequence<byte> buffer)
    {
        var status = ProxyHeaderParser.TryParse(buffer, out var header, out var consumed, out var error);
        return (status, header, buffer.Slice(0, consumed).Length, error);
    }
}
