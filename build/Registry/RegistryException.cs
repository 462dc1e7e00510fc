using System.Net;
using System.Text.Json;

namespace Build.Registry;

/// <summary>A registry request that failed: which registry, repository and reference, and the registry's own reason.</summary>
public sealed class RegistryException : Exception
{
    public RegistryException()
    {
    }

    public RegistryException(string message)
        : base(message)
    {
    }

    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RegistryException(string registry, string repository, string? reference, HttpStatusCode? status, string? code, string reason, Exception? inner = null)
        : base(Format(registry, repository, reference, status, code, reason), inner)
    {
        Registry = registry;
        Repository = repository;
        Reference = reference;
        Status = status;
        Code = code;
    }

    public string? Registry { get; }

    public string? Repository { get; }

    public string? Reference { get; }

    public HttpStatusCode? Status { get; }

    /// <summary>The distribution-spec error code (MANIFEST_UNKNOWN, UNAUTHORIZED, DENIED, TOOMANYREQUESTS, …).</summary>
    public string? Code { get; }

    /// <summary>True when the registry could not be reached at all (as opposed to answering with an error).</summary>
    public bool Unreachable => Status is null;

    /// <summary>Reads the first entry of a distribution-spec error body: {"errors":[{"code","message","detail"}]}.</summary>
    public static (string? Code, string? Message) ParseErrorBody(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var e = errors[0];
                return (e.TryGetProperty("code", out var c) ? c.GetString() : null, e.TryGetProperty("message", out var m) ? m.GetString() : null);
            }
        }
        catch (JsonException)
        {
            // Not JSON: the status line is all there is.
        }

        return (null, null);
    }

    private static string Format(string registry, string repository, string? reference, HttpStatusCode? status, string? code, string reason) =>
        $"registry {registry}, repository {repository}{(reference is null ? string.Empty : $", reference {reference}")}: " +
        $"{(code is null ? string.Empty : code + ": ")}{reason}{(status is null ? string.Empty : $" (HTTP {(int)status})")}";
}
