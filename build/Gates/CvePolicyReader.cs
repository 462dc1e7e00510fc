using System.Globalization;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Gates;

/// <summary>
/// cve-policy.yaml read strictly, with the catalog's YAML reader: an unknown key is an error with "did you mean"
/// (a mistyped 'families:' in a waiver must never widen the waiver to every family), a value of the wrong type
/// names the expected one, and every error carries file:line:column. All errors are reported together.
/// </summary>
public static class CvePolicyReader
{
    private static readonly string[] TopKeys = ["fail_on", "ignore_unfixed", "waivers"];
    private static readonly string[] WaiverKeys = ["id", "families", "packages", "reason", "expires"];
    private static readonly string[] SeverityNames = ["UNKNOWN", "NEGLIGIBLE", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

    /// <summary>The policy at <paramref name="path"/> (the default when there is none); <paramref name="families"/>, when given, are the catalog's family names a waiver may name.</summary>
    public static CvePolicy Load(string path, string displayPath, IReadOnlySet<string>? families = null)
    {
        if (!File.Exists(path))
        {
            return CvePolicy.Default(displayPath);
        }

        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(path), displayPath, errors);
        var policy = text is null ? null : Parse(text, displayPath, errors, families);
        return policy ?? throw new GateConfigException(InputException.Format(errors, displayPath));
    }

    public static CvePolicy? Parse(string text, string displayPath, List<InputError> errors, IReadOnlySet<string>? families = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var node = YamlDocument.Parse(text, displayPath, errors);
        if (errors.Count > before)
        {
            return null;
        }

        if (node is null || node is YScalar { IsNull: true })
        {
            return CvePolicy.Default(displayPath);
        }

        var r = new NodeReader(displayPath, "waiver");
        if (r.AsMapping(node, "The CVE policy", null, "fail_on: [HIGH, CRITICAL]") is not { } root)
        {
            errors.AddRange(r.Errors);
            return null;
        }

        r.CheckKeys(root, TopKeys, null, "the CVE policy");
        var failOn = new List<Severity>();
        if (root["fail_on"] is { } failNode)
        {
            foreach (var (item, value) in r.ItemsOf(failNode, "fail_on", null) ?? [])
            {
                if (SeverityNames.Contains(value.Trim().ToUpperInvariant()))
                {
                    failOn.Add(value.Trim().Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase) ? Severity.Unknown : Severities.Parse(value));
                }
                else
                {
                    r.Error(item, null, $"'{value}' is not a severity.{Suggest.DidYouMean(value.ToUpperInvariant(), SeverityNames)}", "Use UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH or CRITICAL.");
                }
            }
        }
        else
        {
            failOn.AddRange([Severity.High, Severity.Critical]);
        }

        var ignoreUnfixed = r.Bool(root, "ignore_unfixed", null) ?? false;
        var waivers = new List<Waiver>();
        var nodes = new List<YNode>();
        if (root["waivers"] is { } waiversNode)
        {
            if (waiversNode is YSequence seq)
            {
                foreach (var item in seq.Items)
                {
                    if (ReadWaiver(r, item, families) is { } w)
                    {
                        waivers.Add(w);
                        nodes.Add(item);
                    }
                }
            }
            else if (waiversNode is not YScalar { IsNull: true })
            {
                r.Error(waiversNode, null, $"'waivers' must be a list, not {waiversNode.TypeName}.", "Write 'waivers:' followed by items like '- { id: CVE-2024-1234, reason: …, expires: 2027-01-31 }'.");
            }
        }

        var indexed = waivers.Select((w, i) => (Waiver: w, Node: nodes[i]));
        foreach (var dup in indexed.GroupBy(x => (x.Waiver.Id.ToUpperInvariant(), string.Join(',', x.Waiver.Families), string.Join(',', x.Waiver.Packages))).Where(g => g.Count() > 1))
        {
            var (first, second) = (dup.First(), dup.Skip(1).First());
            r.Error(second.Node, second.Waiver.Id, $"is listed twice (the other one is at {r.At(first.Node)}).", "Keep one waiver per id and scope.");
        }

        errors.AddRange(r.Errors);
        return errors.Count > before ? null : new CvePolicy(displayPath, failOn, ignoreUnfixed, waivers);
    }

    private static Waiver? ReadWaiver(NodeReader r, YNode item, IReadOnlySet<string>? families)
    {
        if (r.AsMapping(item, "A waiver", null, "- { id: CVE-2024-1234, reason: …, expires: 2027-01-31 }") is not { } m)
        {
            return null;
        }

        var before = r.Errors.Count;
        var id = r.Scalar(m, "id", null);
        var subject = id;
        r.CheckKeys(m, WaiverKeys, subject, "a waiver");
        if (id is null || id.Trim().Length == 0)
        {
            if (m["id"] is null or YScalar { IsNull: true })
            {
                r.Error(m, null, "A waiver needs an 'id' (e.g. CVE-2024-1234).", "Add the vulnerability's id.");
            }

            return null;
        }

        var scopeFamilies = m["families"] is { } fn ? r.ItemsOf(fn, "families", subject) : [];
        var packages = m["packages"] is { } pn ? r.StringList(m, "packages", subject) : [];
        foreach (var key in new[] { "families", "packages" }.Where(k => m[k] is YSequence { Items.Count: 0 }))
        {
            r.Error(m[key], subject, $"'{key}: []' lists nothing, which would waive it for every {(key == "families" ? "family" : "package")}.", $"List the {key} it applies to, or remove '{key}:' to mean every one.");
        }

        if (scopeFamilies is not null && families is not null)
        {
            foreach (var (node, name) in scopeFamilies.Where(f => !families.Contains(f.Value)))
            {
                r.Error(node, subject, $"names '{name}', which is neither a family of the catalog nor a service of its fleet.{Suggest.DidYouMean(name, families)}", "Fix the name: a waiver for an image that does not exist waives nothing.");
            }
        }

        var reason = r.Scalar(m, "reason", subject);
        if (string.IsNullOrWhiteSpace(reason) && (m["reason"] is null or YScalar))
        {
            r.Error(m, subject, "needs a 'reason': say why the risk is accepted.", "Add 'reason: …'.");
        }

        var expiresText = r.Scalar(m, "expires", subject);
        var expires = default(DateOnly);
        if ((m["expires"] is null or YScalar) && !DateOnly.TryParseExact(expiresText ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out expires))
        {
            r.Error(m["expires"] ?? m, subject, "needs 'expires: yyyy-mm-dd' (waivers are temporary by design).", "Add e.g. 'expires: 2027-01-31'.");
        }

        if (r.Errors.Count > before || scopeFamilies is null || packages is null)
        {
            return null;
        }

        return new Waiver(id, scopeFamilies.Select(f => f.Value).ToList(), packages, reason!, expires, m.Line);
    }
}
