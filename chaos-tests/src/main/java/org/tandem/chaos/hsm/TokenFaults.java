package org.tandem.chaos.hsm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;

/**
 * Faults on SoftHSM2 tokens, injected the way an outside tool or an operator would do it: {@code
 * pkcs11-tool} (OpenSC) and {@code softhsm2-util} as child processes with {@code SOFTHSM2_CONF} set to
 * the harness's configuration, and file operations on the token directory. Nothing here opens the
 * PKCS#11 library in this process, so the caller's own SoftHSM2 state (read once per process) is not
 * involved in injecting the fault.
 *
 * <p>Faults:
 * <ul>
 *   <li>F10, HSM session or token loss: {@link #removeToken} (the token directory moved away, "the HSM
 *       is unplugged"), {@link #changePin} (the user PIN changed under the running node);
 *   <li>F11, DENIC: {@link #plantStrayKeyPair} (a different EC P-256 pair under the same label and
 *       {@code CKA_ID});
 *   <li>F12, APNIC: {@link #replaceWithDifferentKey} (the cluster's key gone, another key of the same
 *       zone and role there instead);
 *   <li>healing: {@link #snapshot} and {@link #restore}.
 * </ul>
 *
 * <p>What a RUNNING process that has the token open (keysync's {@code HsmSessions.open}: sessions
 * open, logged in, keys found) notices after each fault was measured by {@code TokenFaultsIT}
 * against SoftHSM 2.6.1; the findings are in the chaos-tests README, section "Chaos harness: token
 * faults", and on each method. In short: {@link #removeToken} is noticed at once (the election's
 * key re-check sees every key {@code MISSING}; signing with a cached handle fails, the key not found again
 * by its {@code CKA_ID}) and not healed by opening sessions again, only by re-initialising the
 * library ({@code Hsm.reopen}: {@code C_Finalize}, {@code C_Initialize}), which a signer node does by
 * itself (scenario hsm-token-reinsert); {@link #changePin} is not noticed
 * by a running process at all, only by one that starts.
 *
 * <p>While a token directory is removed, {@code C_GetTokenInfo} on its slot fails in every process
 * that loaded SoftHSM2 before; keysync's open skips such a slot, so the other tokens of the library
 * stay usable.
 *
 * <p>Every operation names token, key label, {@code CKA_ID} and what it did in its {@link
 * FaultApplied} result, or in the {@link TokenFaultException}. PINs go to {@code pkcs11-tool} on its
 * command line (it has no other way); they are masked in results and exceptions.
 *
 * <p>Threads: not safe for concurrent use on the same token (two scenarios breaking one token at once
 * make no sense); different instances on different tokens are independent. Holds no resources.
 */
public final class TokenFaults {
    /** The SoftHSM2 PKCS#11 library of Debian's softhsm2 package. */
    public static final Path SOFTHSM_LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private static final Pattern KEYSYNC_LABEL = Pattern.compile("tandem:(.+):(KSK|ZSK|CSK):(\\d+):(\\d+)");
    private static final Pattern HEX = Pattern.compile("(?:[0-9a-fA-F]{2})+");
    private static final int TOKEN_LABEL_LENGTH = 32;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path conf;
    private final Path library;
    private final Path tokenDir;
    private final Path workDir;
    private final ToolRun tools;

    /**
     * @param softhsmConf the softhsm2.conf that names the token directory ({@code directories.tokendir})
     * @param library the SoftHSM2 PKCS#11 library for {@code pkcs11-tool --module}
     * @param workDir where snapshots and removed token directories are kept; created if missing; must
     *     not be below the token directory (SoftHSM2 would take every directory there for a token)
     * @throws IllegalArgumentException when the configuration names no token directory, or the work
     *     directory is below it
     * @throws IOException when the configuration cannot be read or the work directory not created
     */
    public TokenFaults(Path softhsmConf, Path library, Path workDir) throws IOException {
        this.conf = Objects.requireNonNull(softhsmConf, "softhsmConf").toAbsolutePath();
        this.library = Objects.requireNonNull(library, "library").toAbsolutePath();
        this.tokenDir = tokenDirectoryOf(conf);
        this.workDir =
                Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
        if (this.workDir.startsWith(tokenDir)) {
            throw new IllegalArgumentException("work directory " + this.workDir + " is below the token directory "
                    + tokenDir + "; SoftHSM2 would take its subdirectories for tokens");
        }
        Files.createDirectories(this.workDir);
        this.tools = new ToolRun(conf);
    }

    /** {@link #TokenFaults(Path, Path, Path)} with {@link #SOFTHSM_LIBRARY}. */
    public TokenFaults(Path softhsmConf, Path workDir) throws IOException {
        this(softhsmConf, SOFTHSM_LIBRARY, workDir);
    }

    /** The token directory ({@code directories.tokendir}) of the configuration. */
    public Path tokenDirectory() {
        return tokenDir;
    }

    /**
     * The directory of the token with that label. SoftHSM2 keeps each token in a directory named by a
     * UUID whose last 16 hex digits (groups 4 and 5) are the token's serial number: the label is
     * mapped to its serial with {@code softhsm2-util --show-slots} (a fresh process, so it sees the
     * disk as it is now), and the directory's {@code token.object} must hold the label (space-padded to
     * 32 bytes, as PKCS#11 stores it).
     *
     * @throws TokenFaultException no such token, two tokens with that label, or the directory of its
     *     serial not found
     */
    public Path directoryOf(String tokenLabel) throws TokenFaultException {
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        Map<String, String> serials = serialsByLabel(tokenLabel);
        String serial = serials.get(tokenLabel);
        if (serial == null) {
            throw TokenFaultException.of(
                    tokenLabel,
                    "no such token in " + conf + " (present: " + String.join(", ", serials.keySet()) + ")",
                    null);
        }
        List<Path> matches = new ArrayList<>();
        for (Path dir : tokenDirectories(tokenLabel)) {
            if (dir.getFileName()
                    .toString()
                    .replace("-", "")
                    .toLowerCase(Locale.ROOT)
                    .endsWith(serial.toLowerCase(Locale.ROOT))) {
                matches.add(dir);
            }
        }
        if (matches.size() != 1) {
            throw TokenFaultException.of(
                    tokenLabel,
                    matches.size() + " directories in " + tokenDir + " end in serial " + serial + ": " + matches,
                    null);
        }
        Path dir = matches.get(0);
        if (!holdsLabel(dir, tokenLabel)) {
            throw TokenFaultException.of(
                    tokenLabel,
                    "directory " + dir + " has the serial " + serial + " but its token.object does not hold the label",
                    null);
        }
        return dir;
    }

    /**
     * Copies the token's directory below the work directory, with the SHA-256 of every file.
     * Changes nothing on the token. Take it while no process writes to the token (between key
     * operations), or the copy may catch a half-written object file.
     *
     * @throws TokenFaultException the token is not found, or a file cannot be copied
     */
    public Snapshot snapshot(String tokenLabel) throws TokenFaultException {
        Path dir = directoryOf(tokenLabel);
        String serial = serialsByLabel(tokenLabel).get(tokenLabel);
        Path copy = workDir.resolve("snapshots")
                .resolve(tokenLabel + "-" + SEQUENCE.incrementAndGet())
                .resolve(dir.getFileName());
        try {
            Files.createDirectories(copy.getParent());
            copyTree(dir, copy);
            return new Snapshot(tokenLabel, serial, dir.getFileName().toString(), copy, digests(copy));
        } catch (IOException e) {
            throw TokenFaultException.of(tokenLabel, "cannot copy " + dir + " to " + copy + ": " + e.getMessage(), e);
        }
    }

    /**
     * Puts the token back exactly as in the snapshot: removes whatever directory now holds a token
     * with that label or the snapshot's directory name (after a fault it may be gone, emptied, locked
     * with mode 000, or re-created), copies the snapshot back under its original name and checks every
     * file's SHA-256 against the snapshot's. The PIN is the snapshot's again (SoftHSM2 keeps it in
     * {@code token.object}).
     *
     * <p>IMPORTANT: after {@link #removeToken} (or a deleted or re-created token directory) a process
     * that had the token open is not healed by this alone: SoftHSM2 gives it the token back only when
     * the process re-initialises the library ({@code Hsm.reopen}, which a signer node does by itself
     * while its token is absent) or restarts. After {@link #deleteKey}, {@link #plantStrayKeyPair} or {@link
     * #replaceWithDifferentKey} a running process sees the restored objects at its next listing.
     *
     * @throws TokenFaultException a file cannot be removed or copied, or the result differs from the
     *     snapshot
     */
    public FaultApplied restore(Snapshot snapshot) throws TokenFaultException {
        Objects.requireNonNull(snapshot, "snapshot");
        String label = snapshot.tokenLabel();
        List<String> actions = new ArrayList<>();
        Path target = tokenDir.resolve(snapshot.directoryName());
        try {
            for (Path dir : tokenDirectories(label)) {
                if (dir.equals(target) || holdsLabel(dir, label)) {
                    deleteTree(dir);
                    actions.add("removed " + dir);
                }
            }
            copyTree(snapshot.copy(), target);
            actions.add("copied " + snapshot.copy() + " to " + target);
            Map<String, String> now = digests(target);
            if (!now.equals(snapshot.digests())) {
                throw TokenFaultException.of(
                        label,
                        "restored directory " + target + " differs from the snapshot: " + now.keySet() + " vs "
                                + snapshot.digests().keySet(),
                        null);
            }
            actions.add("checked SHA-256 of " + now.size() + " files");
        } catch (IOException e) {
            throw TokenFaultException.of(
                    label, "cannot restore " + target + " from " + snapshot.copy() + ": " + e.getMessage(), e);
        }
        return new FaultApplied(
                "restore",
                label,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                actions);
    }

    /**
     * F10, "the HSM is unplugged": moves the token's directory out of the token directory (below the
     * work directory). New processes no longer see the token ({@code softhsm2-util --show-slots}, a
     * signer node that starts). Heal with {@link #restore}.
     *
     * <p>What a process that has the token open notices (SoftHSM 2.6.1 through keysync's adapter,
     * TokenFaultsIT), on the first PKCS#11 call after the move, with no delay:
     * <ul>
     *   <li>signing with a key handle found before: the handle is refused, keysync looks the key up
     *       again by {@code CKA_ID} and finds none: {@code HsmException} caused by {@code
     *       CKR_KEY_HANDLE_INVALID} (0x60) (not classed as "token gone", so not an {@code
     *       HsmUnavailableException});
     *   <li>listing the keys on the sessions opened at start (what the election's 5 s key re-check
     *       does): succeeds and finds nothing, so keysync's verifier reports every manifest key {@code
     *       MISSING}, not {@code HSM_ERROR}; the node drops out at its next re-check;
     *   <li>{@code HsmSessions.open} again in the same process: {@code HsmUnavailableException}
     *       "cannot list tokens of …: CKR_GENERAL_ERROR" (0x5): the slot is still in {@code
     *       C_GetSlotList}, but {@code C_GetTokenInfo} on it fails (a raw {@code C_OpenSession} on the
     *       old slot id still works, {@code C_Login} answers {@code CKR_USER_ALREADY_LOGGED_IN}, and the
     *       session finds no objects);
     *   <li>after {@link #restore}: all of the above stay as they are; the process sees the token
     *       again only after {@code C_Finalize} + {@code C_Initialize} ({@code Hsm.reopen}, INV-K6; the
     *       signer node retries it while the token is absent), or a new process does.
     * </ul>
     * Deleting the directory or re-creating a token with the same label ({@code softhsm2-util
     * --init-token} after deleting it) give exactly the same answers. A process started during the
     * fault finds no token with that label.
     *
     * @return the result naming the token and where its directory went
     * @throws TokenFaultException the token is not found or the directory cannot be moved
     */
    public FaultApplied removeToken(String tokenLabel) throws TokenFaultException {
        Path dir = directoryOf(tokenLabel);
        Path away = workDir.resolve("removed")
                .resolve(tokenLabel + "-" + SEQUENCE.incrementAndGet())
                .resolve(dir.getFileName());
        try {
            Files.createDirectories(away.getParent());
            try {
                Files.move(dir, away, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                copyTree(dir, away);
                deleteTree(dir);
            }
        } catch (IOException e) {
            throw TokenFaultException.of(tokenLabel, "cannot move " + dir + " to " + away + ": " + e.getMessage(), e);
        }
        return new FaultApplied(
                "remove-token",
                tokenLabel,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of("moved token directory " + dir + " to " + away));
    }

    /**
     * F10, the user PIN changed under a running node: {@code pkcs11-tool --login --change-pin}. The
     * node's PIN file still holds the old PIN. Heal with {@link #restore} (or change it back).
     *
     * <p>A process that has the token open notices nothing (TokenFaultsIT): it stays logged in,
     * signing, listing and the key re-check keep working, and even {@code HsmSessions.open} again
     * works, because {@code C_Login} on the new session answers {@code CKR_USER_ALREADY_LOGGED_IN}
     * (the login state belongs to the process) and keysync accepts that. Only a process that starts
     * fails: {@code HsmUnavailableException} "wrong PIN for token …" ({@code CKR_PIN_INCORRECT},
     * 0xA0). So this fault shows at the node's next restart, not while it runs.
     *
     * @throws TokenFaultException the token is not found or pkcs11-tool fails (for example a wrong old PIN)
     */
    public FaultApplied changePin(String tokenLabel, String oldPin, String newPin) throws TokenFaultException {
        Objects.requireNonNull(oldPin, "oldPin");
        Objects.requireNonNull(newPin, "newPin");
        if (newPin.isBlank() || oldPin.equals(newPin)) {
            throw new IllegalArgumentException("the new PIN must be non-blank and differ from the old one");
        }
        ToolRun.Result r = pkcs11(
                tokenLabel,
                Optional.empty(),
                Optional.empty(),
                "change the user PIN",
                List.of("--login", "--pin", oldPin, "--change-pin", "--new-pin", newPin));
        return new FaultApplied(
                "change-pin",
                tokenLabel,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(String.join(" ", r.masked()) + ": user PIN changed"));
    }

    /**
     * F11, the DENIC shape: deletes every private- and public-key object with that {@code CKA_ID},
     * then generates a new EC P-256 pair ({@code pkcs11-tool --keypairgen --key-type EC:prime256v1
     * --usage-sign}) under the same label and {@code CKA_ID}. Keysync then finds an object that claims
     * the key (label, id, key tag in the label) but holds another public key: {@code
     * DIFFERENT_PUBLIC_KEY} (INV-K1). A process that holds the token open sees the stray pair at its
     * next key re-check (SoftHSM2 re-reads the token's objects when they change); its cached handle
     * of the old key is refused, and found again by {@code CKA_ID} it is the stray key: what it signs
     * fails the proof.
     *
     * @param pinFile the token's user-PIN file (first line)
     * @param ckaIdHex the key's {@code CKA_ID} in hex (keysync uses the key's fingerprint)
     * @return the result with the new pair's public key (DER SubjectPublicKeyInfo)
     * @throws TokenFaultException no object has that {@code CKA_ID}, or a pkcs11-tool step fails (the
     *     message says which; the token may then hold neither key)
     */
    public FaultApplied plantStrayKeyPair(String tokenLabel, Path pinFile, String keyLabel, String ckaIdHex)
            throws TokenFaultException {
        String id = hex(ckaIdHex);
        Objects.requireNonNull(keyLabel, "keyLabel");
        String pin = pin(tokenLabel, pinFile);
        List<String> actions = new ArrayList<>(deleteKeyObjects(tokenLabel, pin, keyLabel, id));
        actions.add(generate(tokenLabel, pin, keyLabel, id, "EC:prime256v1"));
        byte[] spki = readPublicKey(tokenLabel, keyLabel, id);
        actions.add("read the new public key (" + spki.length + " bytes DER)");
        return new FaultApplied(
                "plant-stray-key-pair",
                tokenLabel,
                Optional.of(keyLabel),
                Optional.of(id),
                Optional.of(keyLabel),
                Optional.of(id),
                Optional.of(spki),
                actions);
    }

    /**
     * Deletes every private- and public-key object with that {@code CKA_ID} ({@code pkcs11-tool
     * --delete-object}, one call per object): the key went missing from this HSM.
     *
     * <p>A process that has the token open notices at once (TokenFaultsIT): signing with the cached
     * handle fails (no key with its {@code CKA_ID}), the key re-check reports the key {@code MISSING}.
     * Unlike a removed token this heals in the running process: after {@link #restore} the re-check
     * finds the key again (under a new handle) and proves it, and the cached reference signs again.
     *
     * @throws TokenFaultException no object has that {@code CKA_ID}, or pkcs11-tool fails
     */
    public FaultApplied deleteKey(String tokenLabel, Path pinFile, String keyLabel, String ckaIdHex)
            throws TokenFaultException {
        String id = hex(ckaIdHex);
        Objects.requireNonNull(keyLabel, "keyLabel");
        List<String> actions = deleteKeyObjects(tokenLabel, pin(tokenLabel, pinFile), keyLabel, id);
        return new FaultApplied(
                "delete-key",
                tokenLabel,
                Optional.of(keyLabel),
                Optional.of(id),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                actions);
    }

    /**
     * F12, the APNIC shape: the standby's HSM lacks the cluster's key and holds another one instead.
     * Deletes every key object with that {@code CKA_ID}, then generates a new pair of the label's
     * algorithm (13: P-256, 14: P-384) for the same zone and role, and gives both objects the new
     * key's keysync fingerprint as {@code CKA_ID} ({@code pkcs11-tool --set-id}), as keysync would have
     * done had it generated the key there. Its label is the old one with the key tag plus one
     * (modulo 65536): {@code pkcs11-tool} cannot relabel an object after generation, so the tag in the
     * label is a claim that differs from the old key's, not the new key's real tag. Keysync then sees
     * {@code MISSING} for the old key and {@code UNEXPECTED_EXTRA_KEY} for the new one (neither its
     * id, nor its label's tag, nor its fingerprint claims the old key), in a process that holds the
     * token open as well as in one that opens it afterwards.
     *
     * @param keyLabel the key's label, in keysync's form {@code tandem:<zone>:<ROLE>:<alg>:<tag>}
     * @return the result with the new label, the new {@code CKA_ID} (the new key's fingerprint) and
     *     public key
     * @throws IllegalArgumentException the label is not keysync's, or its algorithm is not ECDSA
     * @throws TokenFaultException no object has that {@code CKA_ID}, or a pkcs11-tool step fails
     */
    public FaultApplied replaceWithDifferentKey(String tokenLabel, Path pinFile, String keyLabel, String ckaIdHex)
            throws TokenFaultException {
        String id = hex(ckaIdHex);
        Matcher m = KEYSYNC_LABEL.matcher(Objects.requireNonNull(keyLabel, "keyLabel"));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "key label '" + keyLabel + "' is not keysync's tandem:<zone>:<ROLE>:<alg>:<tag>");
        }
        ZoneName zone = ZoneName.of(m.group(1));
        KeyRole role = KeyRole.valueOf(m.group(2));
        Algorithm alg = Algorithm.of(Integer.parseInt(m.group(3)));
        String keyType = switch (alg.number()) {
            case 13 -> "EC:prime256v1";
            case 14 -> "EC:secp384r1";
            default ->
                throw new IllegalArgumentException(
                        "algorithm " + alg.number() + " of '" + keyLabel + "': only ECDSA (13, 14) is supported");
        };
        int claimedTag = (Integer.parseInt(m.group(4)) + 1) & 0xFFFF;
        String newLabel = "tandem:" + m.group(1) + ":" + m.group(2) + ":" + m.group(3) + ":" + claimedTag;
        String pin = pin(tokenLabel, pinFile);
        List<String> actions = new ArrayList<>(deleteKeyObjects(tokenLabel, pin, keyLabel, id));
        byte[] temp = new byte[16];
        new SecureRandom().nextBytes(temp);
        String tempId = HexFormat.of().formatHex(temp);
        actions.add(generate(tokenLabel, pin, newLabel, tempId, keyType));
        byte[] spki = readPublicKey(tokenLabel, newLabel, tempId);
        DnssecKey key;
        try {
            PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
            key = DnssecKey.of(zone, role, alg, pub);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new TokenFaultException(
                    tokenLabel,
                    Optional.of(newLabel),
                    Optional.of(tempId),
                    "the generated public key is not a " + keyType + " key: " + e.getMessage(),
                    List.of(),
                    Optional.empty(),
                    "",
                    e);
        }
        String newId = key.fingerprint().hex();
        for (String type : List.of("privkey", "pubkey")) {
            ToolRun.Result r = pkcs11(
                    tokenLabel,
                    Optional.of(newLabel),
                    Optional.of(tempId),
                    "set CKA_ID of the new " + type,
                    List.of("--login", "--pin", pin, "--type", type, "--id", tempId, "--set-id", newId));
            actions.add(String.join(" ", r.masked()));
        }
        actions.add("new key fp " + key.fingerprint().shortHex() + " real key tag "
                + key.keyTag().value() + ", label claims tag " + claimedTag);
        return new FaultApplied(
                "replace-with-different-key",
                tokenLabel,
                Optional.of(keyLabel),
                Optional.of(id),
                Optional.of(newLabel),
                Optional.of(newId),
                Optional.of(spki),
                actions);
    }

    // --- pkcs11-tool steps ---

    /** Deletes every privkey and pubkey object with the id (pkcs11-tool deletes one object per call). */
    private List<String> deleteKeyObjects(String tokenLabel, String pin, String keyLabel, String id)
            throws TokenFaultException {
        List<String> actions = new ArrayList<>();
        int deleted = 0;
        for (String type : List.of("privkey", "pubkey")) {
            for (int i = 0; i < 100; i++) {
                List<String> args = List.of("--login", "--pin", pin, "--delete-object", "--type", type, "--id", id);
                List<String> cmd = command(tokenLabel, args);
                ToolRun.Result r = tools.run(cmd, tokenLabel);
                if (r.exitCode() != 0 && r.output().contains("object not found")) {
                    break;
                }
                if (r.exitCode() != 0) {
                    throw new TokenFaultException(
                            tokenLabel,
                            Optional.of(keyLabel),
                            Optional.of(id),
                            "delete " + type,
                            r.masked(),
                            Optional.of(r.exitCode()),
                            r.output(),
                            null);
                }
                deleted++;
                actions.add(String.join(" ", r.masked()));
            }
        }
        if (deleted == 0) {
            throw new TokenFaultException(
                    tokenLabel,
                    Optional.of(keyLabel),
                    Optional.of(id),
                    "no private- or public-key object has this CKA_ID; nothing was changed",
                    List.of(),
                    Optional.empty(),
                    "",
                    null);
        }
        return actions;
    }

    private String generate(String tokenLabel, String pin, String label, String id, String keyType)
            throws TokenFaultException {
        ToolRun.Result r = pkcs11(
                tokenLabel,
                Optional.of(label),
                Optional.of(id),
                "generate a " + keyType + " pair",
                List.of(
                        "--login",
                        "--pin",
                        pin,
                        "--keypairgen",
                        "--key-type",
                        keyType,
                        "--usage-sign",
                        "--label",
                        label,
                        "--id",
                        id));
        return String.join(" ", r.masked());
    }

    private byte[] readPublicKey(String tokenLabel, String label, String id) throws TokenFaultException {
        Path out = workDir.resolve("pub-" + SEQUENCE.incrementAndGet() + ".der");
        try {
            pkcs11(
                    tokenLabel,
                    Optional.of(label),
                    Optional.of(id),
                    "read the new public key",
                    List.of("--read-object", "--type", "pubkey", "--id", id, "--output-file", out.toString()));
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new TokenFaultException(
                    tokenLabel,
                    Optional.of(label),
                    Optional.of(id),
                    "cannot read " + out,
                    List.of(),
                    Optional.empty(),
                    e.getMessage(),
                    e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException e) {
                // a public key left in the work directory: harmless, and the work directory is the test's
            }
        }
    }

    private ToolRun.Result pkcs11(
            String tokenLabel, Optional<String> keyLabel, Optional<String> id, String what, List<String> args)
            throws TokenFaultException {
        ToolRun.Result r = tools.run(command(tokenLabel, args), tokenLabel);
        if (r.exitCode() != 0) {
            throw new TokenFaultException(
                    tokenLabel, keyLabel, id, what, r.masked(), Optional.of(r.exitCode()), r.output(), null);
        }
        return r;
    }

    private List<String> command(String tokenLabel, List<String> args) {
        List<String> cmd =
                new ArrayList<>(List.of("pkcs11-tool", "--module", library.toString(), "--token-label", tokenLabel));
        cmd.addAll(args);
        return cmd;
    }

    // --- the token directory ---

    private Map<String, String> serialsByLabel(String forToken) throws TokenFaultException {
        ToolRun.Result r = tools.run(List.of("softhsm2-util", "--show-slots"), forToken);
        if (r.exitCode() != 0) {
            throw new TokenFaultException(
                    forToken,
                    Optional.empty(),
                    Optional.empty(),
                    "list the tokens",
                    r.masked(),
                    Optional.of(r.exitCode()),
                    r.output(),
                    null);
        }
        Map<String, String> serials = new LinkedHashMap<>();
        String serial = null;
        for (String line : r.output().split("\n")) {
            String t = line.strip();
            if (t.startsWith("Serial number:")) {
                serial = t.substring("Serial number:".length()).strip();
            } else if (t.startsWith("Label:") && serial != null && !serial.isEmpty()) {
                String label = t.substring("Label:".length()).strip();
                if (serials.put(label, serial) != null) {
                    throw TokenFaultException.of(label, "two tokens carry this label in " + conf, null);
                }
                serial = null;
            }
        }
        return serials;
    }

    private List<Path> tokenDirectories(String forToken) throws TokenFaultException {
        try (var s = Files.list(tokenDir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw TokenFaultException.of(forToken, "cannot list " + tokenDir + ": " + e.getMessage(), e);
        }
    }

    /** True when the directory's token.object holds the label as PKCS#11 stores it (32 bytes, space-padded). */
    private static boolean holdsLabel(Path dir, String label) {
        byte[] padded = String.format("%-" + TOKEN_LABEL_LENGTH + "s", label).getBytes(StandardCharsets.UTF_8);
        Path object = dir.resolve("token.object");
        try {
            if (!Files.isReadable(object)) {
                return false;
            }
            byte[] content = Files.readAllBytes(object);
            outer:
            for (int i = 0; i + padded.length <= content.length; i++) {
                for (int j = 0; j < padded.length; j++) {
                    if (content[i + j] != padded[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path tokenDirectoryOf(Path conf) throws IOException {
        for (String line : Files.readAllLines(conf, StandardCharsets.UTF_8)) {
            String t = line.strip();
            if (t.startsWith("directories.tokendir")) {
                int eq = t.indexOf('=');
                if (eq > 0) {
                    return Path.of(t.substring(eq + 1).strip()).toAbsolutePath().normalize();
                }
            }
        }
        throw new IllegalArgumentException(conf + " names no directories.tokendir");
    }

    private static String pin(String tokenLabel, Path pinFile) throws TokenFaultException {
        Objects.requireNonNull(pinFile, "pinFile");
        try {
            String pin = Files.readAllLines(pinFile, StandardCharsets.UTF_8).stream()
                    .findFirst()
                    .orElse("")
                    .strip();
            if (pin.isEmpty()) {
                throw TokenFaultException.of(tokenLabel, "PIN file " + pinFile + " is empty", null);
            }
            return pin;
        } catch (IOException e) {
            throw TokenFaultException.of(tokenLabel, "cannot read PIN file " + pinFile + ": " + e.getMessage(), e);
        }
    }

    private static String hex(String ckaIdHex) {
        Objects.requireNonNull(ckaIdHex, "ckaIdHex");
        if (!HEX.matcher(ckaIdHex).matches()) {
            throw new IllegalArgumentException("CKA_ID '" + ckaIdHex + "' is not an even number of hex digits");
        }
        return ckaIdHex.toLowerCase(Locale.ROOT);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Deletes a tree, first giving the owner back rwx on directories and rw on files (after a chmod 000). */
    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Map<String, String> digests(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
            }
        }
        return out;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
