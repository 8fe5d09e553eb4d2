#include "seer/crypto/bip39.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <vector>

#include "seer/common/check.hpp"
#include "seer/crypto/ed25519.hpp"  // init()
#include "seer/crypto/hash.hpp"

namespace seer::crypto::bip39 {

namespace detail {
extern const std::array<std::string_view, 2048> k_english;  // bip39_english.cpp
}  // namespace detail

namespace {

constexpr std::uint32_t k_pbkdf2_rounds = 2048;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool valid_word_count(std::size_t n) {
    return n >= 12 && n <= 24 && n % 3 == 0;
}

int word_index(std::string_view word) {
    const auto& list = detail::k_english;
    const auto it = std::lower_bound(list.begin(), list.end(), word);
    if (it == list.end() || *it != word) return -1;
    return static_cast<int>(it - list.begin());
}

}  // namespace

const std::array<std::string_view, 2048>& english_wordlist() {
    return detail::k_english;
}

Result<std::string> mnemonic_from_entropy(ByteView entropy) {
    if (entropy.size() < 16 || entropy.size() > 32 || entropy.size() % 4 != 0) {
        return make_error("bad_entropy", "BIP-39 entropy must be 16, 20, 24, 28 or 32 bytes, got " +
                                             std::to_string(entropy.size()));
    }
    const Hash256 digest = sha256(entropy);
    const std::size_t entropy_bits = entropy.size() * 8;
    const std::size_t checksum_bits = entropy_bits / 32;
    auto bit = [&](std::size_t i) -> unsigned {
        if (i < entropy_bits) return (entropy[i / 8] >> (7 - i % 8)) & 1u;
        const std::size_t j = i - entropy_bits;
        return (digest[j / 8] >> (7 - j % 8)) & 1u;
    };
    const std::size_t words = (entropy_bits + checksum_bits) / 11;
    std::string out;
    for (std::size_t w = 0; w < words; ++w) {
        unsigned index = 0;
        for (std::size_t b = 0; b < 11; ++b)
            index = (index << 1) | bit(w * 11 + b);
        if (w > 0) out.push_back(' ');
        out.append(detail::k_english[index]);
    }
    return out;
}

Result<std::string> generate_mnemonic(std::size_t words) {
    if (!valid_word_count(words)) {
        return make_error(
            "bad_word_count",
            "a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, not " + std::to_string(words));
    }
    init();
    Bytes entropy(words * 4 / 3);
    randombytes_buf(entropy.data(), entropy.size());
    auto mnemonic = mnemonic_from_entropy(entropy);
    sodium_memzero(entropy.data(), entropy.size());
    return mnemonic;
}

Result<std::string> validate_mnemonic(std::string_view mnemonic) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < mnemonic.size()) {
        while (i < mnemonic.size() && is_space(mnemonic[i]))
            ++i;
        const std::size_t start = i;
        while (i < mnemonic.size() && !is_space(mnemonic[i]))
            ++i;
        if (i > start) words.push_back(mnemonic.substr(start, i - start));
    }
    if (!valid_word_count(words.size())) {
        return make_error("bad_word_count",
                          "a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, got " +
                              std::to_string(words.size()));
    }
    std::vector<unsigned> indexes;
    indexes.reserve(words.size());
    for (std::size_t w = 0; w < words.size(); ++w) {
        const std::string_view word = words[w];
        const bool ascii = std::all_of(word.begin(), word.end(),
                                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
        if (!ascii) {
            return make_error("non_ascii_word",
                              "mnemonic word " + std::to_string(w + 1) +
                                  " is not ASCII: only the English wordlist is supported");
        }
        const int index = word_index(word);
        if (index < 0) {
            return make_error("unknown_word", "mnemonic word " + std::to_string(w + 1) + " '" +
                                                  std::string(word) +
                                                  "' is not in the BIP-39 English wordlist");
        }
        indexes.push_back(static_cast<unsigned>(index));
    }
    // 11 bits per word: entropy then checksum (entropy bits / 32).
    const std::size_t total_bits = words.size() * 11;
    const std::size_t checksum_bits = total_bits / 33;
    const std::size_t entropy_bits = total_bits - checksum_bits;
    Bytes entropy(entropy_bits / 8, 0);
    unsigned checksum = 0;
    for (std::size_t b = 0; b < total_bits; ++b) {
        const unsigned v = (indexes[b / 11] >> (10 - b % 11)) & 1u;
        if (b < entropy_bits) {
            entropy[b / 8] = static_cast<std::uint8_t>(entropy[b / 8] | (v << (7 - b % 8)));
        } else {
            checksum = (checksum << 1) | v;
        }
    }
    const Hash256 digest = sha256(entropy);
    sodium_memzero(entropy.data(), entropy.size());
    const unsigned expected = digest[0] >> (8 - checksum_bits);
    if (checksum != expected) {
        return make_error("bad_checksum",
                          "mnemonic checksum is wrong (a mistyped or swapped word?)");
    }
    std::string normalized;
    for (std::size_t w = 0; w < words.size(); ++w) {
        if (w > 0) normalized.push_back(' ');
        normalized.append(words[w]);
    }
    return normalized;
}

Result<Seed> mnemonic_to_seed(std::string_view mnemonic, std::string_view passphrase) {
    auto normalized = validate_mnemonic(mnemonic);
    if (!normalized) return normalized.error();
    // BIP-39 applies NFKD to both; for ASCII that is the identity. A non-ASCII passphrase would
    // need a Unicode normalizer to agree with other wallets, so it is refused.
    const bool ascii = std::all_of(passphrase.begin(), passphrase.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!ascii) {
        return make_error("non_ascii_passphrase",
                          "BIP-39 passphrase must be ASCII (no Unicode normalization here)");
    }
    std::string salt = "mnemonic";
    salt.append(passphrase);
    Seed seed{};
    const int rc = PKCS5_PBKDF2_HMAC(normalized->data(), static_cast<int>(normalized->size()),
                                     reinterpret_cast<const unsigned char*>(salt.data()),
                                     static_cast<int>(salt.size()), k_pbkdf2_rounds, EVP_sha512(),
                                     static_cast<int>(seed.size()), seed.data());
    sodium_memzero(normalized->data(), normalized->size());
    sodium_memzero(salt.data(), salt.size());
    if (rc != 1) return make_error("pbkdf2_failed", "PBKDF2-HMAC-SHA512 failed in OpenSSL");
    return seed;
}

}  // namespace seer::crypto::bip39
