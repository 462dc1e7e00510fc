using System.Net;
using System.Text.Json;
using Build.Tools;

namespace Build.Deploy;

/// <summary>
/// The LAN between the rehearsed machines: a Docker network created here, whose bridge holds one address per
/// machine (its gateway, then the next addresses). Each machine publishes its ports on its own address only, so a
/// container of one project reaches the other machine the way a real host is reached: its address and published
/// port. (A port published on the host's loopback would not be reachable from inside a container.)
/// </summary>
public sealed class RehearsalLan(IProcessRunner processes)
{
    public const string Network = "kiln-rehearsal-lan";

    /// <summary>Creates (or reuses) the network and gives its bridge one address per machine, in order.</summary>
    public IReadOnlyList<string> Up(IReadOnlyList<string> machines)
    {
        ArgumentNullException.ThrowIfNull(machines);
        if (!Docker("network", "inspect", Network).Succeeded)
        {
            Must(Docker("network", "create", "--label", "dev.kiln.rehearsal=true", Network), "create the rehearsal network");
        }

        var (bridge, gateway, prefix) = Inspect();
        var addresses = new List<string>();
        var bytes = gateway.GetAddressBytes();
        for (var i = 0; i < machines.Count; i++)
        {
            var address = new IPAddress([bytes[0], bytes[1], bytes[2], (byte)(bytes[3] + i)]).ToString();
            if (i > 0)
            {
                var add = processes.Run(new CommandLine("ip").Add("addr", "replace", $"{address}/{prefix}", "dev", bridge), new ProcessOptions());
                Must(add, $"give the bridge {bridge} the address {address} for machine {machines[i]} (the rehearsal needs root, or CAP_NET_ADMIN, for this)");
            }

            addresses.Add(address);
        }

        return addresses;
    }

    /// <summary>Removes the network (its bridge and the addresses on it go with it).</summary>
    public void Down() => Docker("network", "rm", Network);

    private (string Bridge, IPAddress Gateway, int Prefix) Inspect()
    {
        var inspect = Must(Docker("network", "inspect", Network), "inspect the rehearsal network");
        using var doc = JsonDocument.Parse(inspect.StandardOutput);
        var network = doc.RootElement[0];
        var config = network.GetProperty("IPAM").GetProperty("Config")[0];
        var subnet = config.GetProperty("Subnet").GetString()!;
        var gateway = config.TryGetProperty("Gateway", out var g) && g.GetString() is { Length: > 0 } gw ? gw : null;
        var prefix = int.Parse(subnet[(subnet.IndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        if (gateway is null || prefix > 28)
        {
            throw new InvalidOperationException($"The rehearsal network {Network} has subnet {subnet} and gateway {gateway ?? "none"}: it needs an IPv4 gateway and room for one address per machine. Remove it (docker network rm {Network}) and run again.");
        }

        var id = network.GetProperty("Id").GetString()!;
        var bridge = network.TryGetProperty("Options", out var options) && options.TryGetProperty("com.docker.network.bridge.name", out var name) ? name.GetString()! : "br-" + id[..12];
        return (bridge, IPAddress.Parse(gateway), prefix);
    }

    private ProcessResult Docker(params string[] args) => processes.Run(new CommandLine("docker").Add(args), new ProcessOptions());

    private static ProcessResult Must(ProcessResult result, string what) =>
        result.Succeeded ? result : throw new InvalidOperationException($"Could not {what}: {result.StandardError.Trim()}");
}
