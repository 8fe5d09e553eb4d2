#pragma once

// A map kept as one sorted vector: lookups are a binary search over contiguous memory, and
// iteration is in key order as in std::map. For small, hot, mostly-read tables (a node's peers,
// looked up on every message) where a tree's pointer chasing costs a cache miss per level.
// Inserting or erasing invalidates iterators and references to values (hold values through
// pointers when they must stay put).

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

namespace seer {

template <class Key, class Value, class Compare = std::less<Key>>
class FlatMap {
public:
    using value_type = std::pair<Key, Value>;
    using iterator = typename std::vector<value_type>::iterator;
    using const_iterator = typename std::vector<value_type>::const_iterator;

    iterator begin() { return m_items.begin(); }
    iterator end() { return m_items.end(); }
    const_iterator begin() const { return m_items.begin(); }
    const_iterator end() const { return m_items.end(); }
    std::size_t size() const { return m_items.size(); }
    bool empty() const { return m_items.empty(); }
    void clear() { m_items.clear(); }

    iterator find(const Key& key) {
        auto it = lower(key);
        return it != m_items.end() && !m_less(key, it->first) ? it : m_items.end();
    }
    const_iterator find(const Key& key) const {
        auto it = lower(key);
        return it != m_items.end() && !m_less(key, it->first) ? it : m_items.end();
    }
    std::size_t count(const Key& key) const { return find(key) != end() ? 1 : 0; }
    bool contains(const Key& key) const { return find(key) != end(); }

    /// Inserts (key, value) unless the key is present; as std::map::emplace.
    template <class... Args>
    std::pair<iterator, bool> emplace(const Key& key, Args&&... args) {
        auto it = lower(key);
        if (it != m_items.end() && !m_less(key, it->first)) return {it, false};
        it = m_items.emplace(it, std::piecewise_construct, std::forward_as_tuple(key),
                             std::forward_as_tuple(std::forward<Args>(args)...));
        return {it, true};
    }
    Value& operator[](const Key& key) { return emplace(key).first->second; }
    iterator lower_bound(const Key& key) { return lower(key); }
    iterator erase(const_iterator first, const_iterator last) { return m_items.erase(first, last); }
    std::size_t erase(const Key& key) {
        auto it = find(key);
        if (it == m_items.end()) return 0;
        m_items.erase(it);
        return 1;
    }

private:
    iterator lower(const Key& key) {
        return std::lower_bound(m_items.begin(), m_items.end(), key,
                                [&](const value_type& v, const Key& k) { return m_less(v.first, k); });
    }
    const_iterator lower(const Key& key) const {
        return std::lower_bound(m_items.begin(), m_items.end(), key,
                                [&](const value_type& v, const Key& k) { return m_less(v.first, k); });
    }

    std::vector<value_type> m_items;
    [[no_unique_address]] Compare m_less;
};

}  // namespace seer
