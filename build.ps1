#!/usr/bin/env pwsh
# Kiln's bootstrapper (PowerShell): builds the Cake app once into run/, rebuilds when build/ changed, runs the DLL.
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$dll = Join-Path $root 'run/Build.dll'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

$stale = -not (Test-Path $dll)
if (-not $stale) {
    $built = (Get-Item $dll).LastWriteTimeUtc
    $inputs = @(Get-ChildItem -Path (Join-Path $root 'build') -Recurse -File |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' })
    $inputs += @('Directory.Build.props', 'Directory.Build.targets', 'global.json' | ForEach-Object { Get-Item (Join-Path $root $_) })
    $stale = [bool]($inputs | Where-Object { $_.LastWriteTimeUtc -gt $built } | Select-Object -First 1)
}
if ($stale) {
    Write-Host 'build.ps1: building the Kiln build app into run/'
    # ReadyToRun (precompiled) starts ~40% faster; fall back to a plain build where crossgen is not obtainable.
    $rid = [System.Runtime.InteropServices.RuntimeInformation]::RuntimeIdentifier
    dotnet publish (Join-Path $root 'build/Build.csproj') -c Release -r $rid --self-contained false -p:PublishReadyToRun=true -o (Join-Path $root 'run') -nologo -v quiet -clp:NoSummary
    if ($LASTEXITCODE -ne 0) {
        dotnet build (Join-Path $root 'build/Build.csproj') -c Release -o (Join-Path $root 'run') -nologo -v quiet -clp:NoSummary
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    (Get-Item $dll).LastWriteTimeUtc = [DateTime]::UtcNow
}
Push-Location $root
try {
    & dotnet $dll @args
    exit $LASTEXITCODE
}
finally {
    Pop-Location
}
